"""The work each layer asks of the chip, per sample, as SimPy processes.

Resident weights: every (layer, sample) starts at once and waits for its inputs, so layers
pipeline across tiles and samples, and meet only where they share a unit. Streamed weights:
each pass of a layer brings its weights from DRAM and programs them (every copy of it) as soon
as the passes that last held its crossbars have run every sample (``Mapping.stream_passes``:
passes go round the chip, so a pass is programmed while the layers before it compute on other
tiles), then runs every sample of the batch once their inputs are there (a crossbar being
programmed cannot be read).

The schedule of one (layer, sample), in order, per chunk of its output rows (``engine.chunks``;
one chunk per layer when streamed, training or ``mapping.chunk_rows: null``):
1. wait for each producer's chunk holding the last input row the chunk needs, then read the rows
   new to this chunk from where the tensor lives (global buffer port, or DRAM channels);
2. weighted layers: send them (x column partitions) over the links of the tiles of the copies
   that run this sample (``Mapping.copies_for``), in whole-byte shares by crossbar count; run the
   chunk's MVMs, shared equally by the copies, as one operation per tile (``Timing.mvm_parts``);
   send partial sums across tiles when the layer spans several; bring the output rows back over
   the links; vector-unit layers: one operation on the vector unit;
3. write the output rows (the first write places the whole tensor: global buffer if it fits,
   else DRAM; a network output goes to DRAM), then announce the chunk (the last chunk's event is
   the whole tensor's).
A chunk starts when the layer's previous chunk of that sample has been announced. Units serve
requests in the order they arrive; requests that reach a unit in the same cycle go by the
priority of their process (``priority``: upstream layer first, then earlier sample, then phase;
``engine.unit``).

Counts are booked here, per (layer, sample, chunk), exactly: integer quantities split over
chunks by cumulative floors, so they do not depend on the chunking; units only keep time.

"Sample" above is a wave (``engine.waves``): one sample, or samples that share every layer's
copies and travel as one process, each sample at its own time (its unit requests carry every
sample's time, its counts and bytes are its samples'; ``samples`` is how many; spans are per
sample: ``waves.times``). A wave is named by its first sample.
"""

from __future__ import annotations

import math
from fractions import Fraction

import simpy

from hicsim.engine.chip import Chip
from hicsim.engine.chunks import ChunkKey, Chunks, split
from hicsim.engine.keys import WHOLE, Pass, TensorKey
from hicsim.engine.ledger import Ledger
from hicsim.engine.local_buffers import Spills, working_set_fraction
from hicsim.engine.tensors import TensorStore
from hicsim.engine.tile_links import TileLinks
from hicsim.engine.timing import Timing
from hicsim.engine.unit import spawn
from hicsim.engine.waves import announce, op_span, times, wait, waves
from hicsim.engine.weight_loading import WeightLoading
from hicsim.hardware.ids import Action, Component, Direction, Phase, TimeKind
from hicsim.hardware.model import Hardware
from hicsim.mapping.place import CopySet, LayerMap, Mapping
from hicsim.workload.model import NETWORK_INPUT, Workload

PHASE = Phase.FORWARD
READ, WRITE = Direction.READ, Direction.WRITE
PHASE_ORDER = {Phase.PROGRAM: 0, Phase.FORWARD: 1, Phase.BACKWARD: 2, Phase.GRADIENT: 3,
               Phase.UPDATE: 4}
WHOLE_BATCH = -1  # the sample of work done once for the batch (programming, the update)


def priority(layer: int, sample: int, phase: Phase) -> tuple[int, int, int]:
    """The arbiter's order of a process's requests among those that reach a unit in the same
    cycle (``engine.unit``): the layer's place in the network (its index; -1 for the network
    input), then the sample, then the phase (programming, forward, backward, gradient, update)."""
    return layer, sample, PHASE_ORDER[phase]


class Dataflow:
    def __init__(self, env: simpy.Environment, hw: Hardware, workload: Workload, mapping: Mapping,
                 chip: Chip, ledger: Ledger, timing: Timing):
        self.env, self.hw, self.workload, self.mapping = env, hw, workload, mapping
        self.chip, self.ledger, self.timing = chip, ledger, timing
        memory = hw.memory
        self.local, self.staging, self.backing = memory.local, memory.staging, memory.backing
        self.links = TileLinks(env, chip, ledger, mapping, self.local)
        self.weights_in = WeightLoading(env, hw, workload, mapping, chip, ledger, timing,
                                        self.links)
        self.spills = Spills(env, chip, self.links, timing, self.staging, self.local.capacity)
        self.store = TensorStore([(m, m.capacity) for m in memory.shared], memory.backing, ledger)
        self.bits = workload.input_bits
        self.readers: dict[str, int] = {}
        self.index = {layer.name: i for i, layer in enumerate(workload.layers)}
        # Elements of every tensor a layer reads, by producer ('input': what its first reader takes).
        self.elems: dict[str, int] = {layer.name: layer.output_elems for layer in workload.layers}
        for i, layer in enumerate(workload.layers):
            for src in workload.inputs_of(i):
                self.readers[src] = self.readers.get(src, 0) + 1
                if src == NETWORK_INPUT:
                    self.elems.setdefault(NETWORK_INPUT, layer.input_elems)
        self.ready: dict[tuple, simpy.Event] = {}  # by TensorKey, ChunkKey, ErrorKey, GradientKey
        # Each wave by its first sample -> its samples.
        self.waves = {w[0]: w for w in waves(
            mapping, workload.batch, hw.policy.waves if self._batches_in_waves() else None)}
        self.samples = {b: len(w) for b, w in self.waves.items()}
        # a flow whose waves hold several samples checks where their tensors go
        self.wave_clock = ((lambda: times(env)) if max(self.samples.values(), default=1) > 1
                           else None)
        self.store.clock = self.wave_clock
        env.waves = getattr(env, "waves", False) or self.wave_clock is not None  # ``waves.wait``
        self.direct = self._tile_to_tile_tensors()
        # Resident inference pipelines inside layers (``chunks``); training keeps whole tensors,
        # and streamed layers run whole: they pipeline over the batch and overlap programming
        # (bands there would cut ResNet-18 on hic_pcm from 4.34 to 3.52 ms but take 2.4x the
        # engine's events, past its budget).
        pipelined = mapping.mode == "resident" and workload.phase == "inference"
        copies = {name: mapping.copies_for(lm, mapping.placements(lm)[-1], 0).count
                  for name, lm in mapping.layers.items()}
        self.chunks = Chunks(workload, hw.policy.chunk_rows if pipelined else None, copies)

    def _batches_in_waves(self) -> bool:
        """Whether samples may travel in waves (every layer kind here takes one)."""
        return True

    def _tile_to_tile_tensors(self) -> set[str]:
        """Outputs that go from their layer's tiles straight to their readers' tiles: where the
        interconnect allows it, in resident inference (streamed tiles are re-programmed, and
        training keeps activations for the gradients), from a weighted layer whose every reader
        is a weighted layer (a vector-unit layer reads the global buffer)."""
        wl = self.workload
        if not (self.hw.network.tile_to_tile and self.mapping.mode == "resident"
                and wl.phase == "inference"):
            return set()
        readers: dict[str, list] = {}
        for i in range(len(wl.layers)):
            for src in wl.inputs_of(i):
                readers.setdefault(src, []).append(wl.layers[i])
        return {layer.name for layer in wl.layers if layer.weighted and readers.get(layer.name)
                and all(r.weighted for r in readers[layer.name])}

    # -- bookkeeping -----------------------------------------------------------------------
    def _event(self, key):
        if key not in self.ready:
            self.ready[key] = self.env.event()
        return self.ready[key]

    def _bytes(self, elems: int) -> int:
        return math.ceil(elems * self.bits / 8)

    def _spawn(self, work, layer: int, b: int, phase: Phase):
        """Start ``work`` for wave ``b`` (a process whose requests carry each of its samples'
        priority; the whole batch's work: ``WHOLE_BATCH``)."""
        members = self.waves.get(b, (b,))
        return spawn(self.env, work, tuple(priority(layer, s, phase) for s in members))

    # -- processes ---------------------------------------------------------------------------
    def start(self) -> None:
        batch = list(self.samples)
        for b in batch:
            self._spawn(self._load_input(b), -1, b, PHASE)
        if self.mapping.mode == "resident":
            for i, layer in enumerate(self.workload.layers):
                for b in batch:
                    if layer.weighted:
                        lm = self.mapping.layers[layer.name]
                        (place,) = self.mapping.placements(lm)
                        copies = self.mapping.copies_for(lm, place, b)
                        self._spawn(self._weighted(i, b, lm, copies, WHOLE), i, b, PHASE)
                    else:
                        self._spawn(self._weightless(i, b), i, b, PHASE)
        else:
            self._streamed()

    def _streamed(self) -> None:
        """Streamed weights: each pass is programmed as soon as the passes that last held its
        crossbars have run every sample (``Mapping.stream_passes``), so it is programmed while
        the layers before it compute on other tiles; its samples run once it is programmed and
        their inputs are there, so layers also pipeline over the batch."""
        env, batch, layers = self.env, list(self.samples), self.workload.layers
        for i, layer in enumerate(layers):
            if not layer.weighted:
                for b in batch:
                    self._spawn(self._weightless(i, b), i, b, PHASE)
        done: list[simpy.Event] = []  # per pass: every sample has run on it
        for sp in self.mapping.stream_passes():
            lm = self.mapping.layers[sp.layer]
            i, passes = lm.index, self.mapping.passes(lm)
            fraction = sp.place.crossbars / lm.crossbars
            free = [done[k] for k in sp.after]  # the passes that last held its crossbars
            programmed = self._spawn(self.weights_in.program(lm, sp.place, fraction, free), i,
                                     WHOLE_BATCH, Phase.PROGRAM)
            run = Pass(fraction, sp.index == 0, sp.index == len(passes) - 1)
            done.append(env.all_of([self._spawn(self._once(programmed, self._weighted(
                i, b, lm, self.mapping.copies_for(lm, sp.place, b), run)), i, b, PHASE)
                for b in batch]))

    def _once(self, event: simpy.Event, work):
        """``work`` (a generator) once ``event`` has fired."""
        yield from wait(self.env, event)
        return (yield from work)

    def _load_input(self, b: int):
        nbytes = self._bytes(self.elems.get(NETWORK_INPUT, 0))
        readers = self.readers.get(NETWORK_INPUT, 0)
        # The input waits in DRAM; it moves on chip only if there is room.
        key, n = TensorKey(NETWORK_INPUT, b), self.samples[b]
        level = self.store.place(key, nbytes, readers, n)
        if level is not self.backing:
            yield from self.chip.access(self.backing, nbytes, READ, NETWORK_INPUT, PHASE,
                                        samples=n)
            yield from self.chip.access(level, nbytes, WRITE, NETWORK_INPUT, PHASE, samples=n)
        announce(self.env, self._event(key))

    def _read(self, key, layer: str, phase: Phase, last_read: bool = True):
        """Wait for tensor ``key``, read it from where it lives; returns its bytes."""
        yield from wait(self.env, self._event(key))
        nbytes = self.store.size_of(key)
        yield from self._read_bytes(key, nbytes, layer, phase)
        if last_read:
            self.store.read_done(key)
        return nbytes

    def _read_bytes(self, key, nbytes: int, layer: str, phase: Phase):
        """Read ``nbytes`` (per sample) of stored tensor ``key`` from the level it lives in."""
        yield from self.chip.access(self.store.level_of(key), nbytes, READ, layer, phase,
                                    samples=self.samples[key.sample])

    def _write(self, key, nbytes: int, layer: str, phase: Phase, place_bytes: int | None = None):
        """Write (part of) tensor ``key``; it is placed (buffer or DRAM) when ``place_bytes`` is
        given, which the first write of a tensor does."""
        n = self.samples[key.sample]
        if place_bytes is not None:
            self.store.place(key, place_bytes, self._readers_of(key), n)
        yield from self.chip.access(self.store.level_of(key), nbytes, WRITE, layer, phase,
                                    samples=n)

    def _readers_of(self, key) -> int:
        return self.readers.get(key.producer, 0)

    def _fetch(self, i: int, b: int, last_read: bool):
        """Read every input tensor of layer ``i`` (one chunk) for sample ``b``; returns bytes."""
        return (yield from self._fetch_chunk(i, b, 0, last_read))

    def _fetch_chunk(self, i: int, b: int, k: int, last_read: bool):
        """``_fetch_parts`` for a layer that reads everything from memory; returns bytes."""
        buffered, direct = yield from self._fetch_parts(i, b, k, last_read)
        return buffered + sum(direct.values())

    def _fetch_parts(self, i: int, b: int, k: int, last_read: bool):
        """Wait for the producers' chunks that chunk ``k`` of layer ``i`` needs and read the rows
        that are new to it (``engine.chunks``) from memory; the layer's last chunk releases its
        inputs (``last_read``: its last pass does). Returns (bytes read from memory, {producer:
        bytes} of tile-to-tile inputs, which the caller brings over the network)."""
        name, total, direct = self.workload.layers[i].name, 0, {}
        last_chunk = k == self.chunks.count[i] - 1
        for n, need in enumerate(self.chunks.needs(i, k)):
            key = TensorKey(need.producer, b)
            yield from wait(self.env, self._output_event(need.producer, b, need.wait_chunk))
            nbytes = split(self.store.size_of(key), need.start, need.end, need.rows)
            if need.producer in self.direct:
                direct[need.producer] = direct.get(need.producer, 0) + nbytes
            else:
                yield from self._read_bytes(key, nbytes, name, PHASE)
                total += nbytes
            if last_read and last_chunk:
                self.store.read_done(key)
            elif last_read:
                self.store.consume(key, (i, n), nbytes)
        return total, direct

    def _output_event(self, producer: str, b: int, k: int):
        """The event of chunk ``k`` of a layer's output (the last chunk's: the whole tensor's)."""
        if producer == NETWORK_INPUT or k == self.chunks.count[self.index[producer]] - 1:
            return self._event(TensorKey(producer, b))
        return self._event(ChunkKey(producer, b, k))

    def _store_output(self, i: int, b: int, nbytes: int, first_write: bool):
        """Write a layer's output: to DRAM if it leaves the chip or does not fit the buffer."""
        layer = self.workload.layers[i]
        if self.readers.get(layer.name, 0) == 0:
            yield from self.chip.access(self.backing, nbytes, WRITE, layer.name, PHASE,
                                        samples=self.samples[b])
            return
        place = self._bytes(layer.output_elems) if first_write else None
        yield from self._write(TensorKey(layer.name, b), nbytes, layer.name, PHASE, place)

    def _weighted(self, i: int, b: int, lm: LayerMap, copies: CopySet, run: Pass):
        """One sample through one pass of a weighted layer, chunk after chunk: wait for and read
        the chunk's new input rows, send them to the copies' tiles, run its MVMs, bring its
        output rows back, store them, announce the chunk."""
        layer = self.workload.layers[i]
        name, led, fraction, n = layer.name, self.ledger, run.fraction, self.samples[b]
        # Zero input bits skip their DAC conversion and device reads, where the data is known.
        activity = (layer.stats.active_fraction(self.hw.periphery.dac_bits)
                    if layer.stats is not None else 1.0)
        demand = lm.forward_read()
        out_total = self._bytes(layer.output_elems)
        sent: dict = {}  # bytes sent so far per input stream (None: memory), for link shares
        received = done = 0  # the sample's output bytes and MVMs so far
        direct_out = name in self.direct
        # Each tile's share of the inputs the MVMs need at once; what its local buffer cannot
        # hold spills to the staging buffer (``local_buffers``).
        window = self._bytes(layer.input_elems) * working_set_fraction(layer, demand.mvms_per_sample)
        spill = self.spills.of(lm, copies.tiles, window, lm.col_parts)
        for k in range(self.chunks.count[i]):
            in_bytes, direct = yield from self._fetch_parts(i, b, k, run.last)
            start = self.env.now
            # Inputs go to every tile holding the copies; each column partition needs them again.
            to_tiles = in_bytes * lm.col_parts * fraction
            offset = sent.get(None, 0)
            held = self.spills.held(copies.tiles, to_tiles, spill, offset)
            yield from self.links.to_tiles(name, PHASE, copies.tiles, to_tiles, offset, held,
                                           samples=n)
            sent[None] = offset + math.ceil(to_tiles)
            for src, nbytes in direct.items():  # resident (fraction 1): whole bytes
                yield from self.links.between(name, src, b, copies.tiles, nbytes, lm.col_parts,
                                              sent.get(src, 0), PHASE, n)
                sent[src] = sent.get(src, 0) + nbytes * lm.col_parts
            mvms = self.chunks.share(i, k, demand.mvms_per_sample)
            span = yield from self._analog_mvms(name, PHASE, lm, demand, copies, fraction,
                                                self.chip.tiles, activity, mvms, done, spill, n)
            out_bytes = self.chunks.share(i, k, out_total) * fraction
            # outputs reach the local buffer as the MVMs produce them
            led.move(span[0], self.local.name, WRITE, math.ceil(out_bytes), name, PHASE, span[1],
                     n)
            done += mvms
            if direct_out:  # kept in the tiles' local buffers until its readers fetch it
                if k == 0:
                    self.store.hold(TensorKey(name, b), out_total, self.readers[name], self.local,
                                    n)
            else:
                yield from self.links.from_tiles(name, PHASE, copies.tiles, out_bytes, received,
                                                 samples=n)
                received += math.ceil(out_bytes)
                yield from self._store_output(i, b, math.ceil(out_bytes), run.first and k == 0)
            led.span(name, PHASE, start, times(self.env))
            if run.last:
                announce(self.env, self._output_event(name, b, k))

    def _analog_mvms(self, name: str, phase: Phase, lm: LayerMap, demand, copies: CopySet,
                     fraction: float, units, activity: float = 1.0, sample_mvms: int | None = None,
                     mvms_before: int = 0, spill: dict[int, float] | None = None,
                     samples: int = 1):
        """``sample_mvms`` of one sample's MVMs (all of them by default; ``mvms_before`` of
        them already done) on the copies that run it, shared equally (``units``: the tiles
        themselves, or the separate transposed-read peripherals), then the partial sums that
        meet across tiles; returns the span of the MVMs. ``spill``: per tile, the share of its
        inputs its local buffer cannot hold: the DACs read those from the staging buffer over
        the tile's link, the tile stalling meanwhile. For each of ``samples`` samples (a wave),
        each at its own time; the span is per sample."""
        tiles = copies.tiles
        if sample_mvms is None:
            sample_mvms = demand.mvms_per_sample
        mvms = math.ceil(sample_mvms / copies.count)
        parts = {t: self.timing.mvm_parts(demand, mvms, n) for t, n in tiles.items()}
        dac_bytes = Fraction(self._dac_bytes(demand, fraction, activity, sample_mvms))
        on_chip = sum(tiles.values())
        spilled = {t: dac_bytes * tiles[t] / on_chip * f for t, f in (spill or {}).items()}
        ops = [units[t].submit(p[0] + self.spills.stall(spilled.get(t, 0)))
               for t, p in parts.items()]
        yield from wait(self.env, self.env.all_of(
            ops + self.spills.streams(name, phase, tiles, spilled, samples)))
        span = (op_span(ops)[0], times(self.env))
        _, reads, conversion = max(parts.values())  # the tile that takes longest
        self.ledger.spend(name, TimeKind.COMPUTE, reads, samples)
        self.ledger.spend(name, TimeKind.CONVERSION, conversion, samples)
        self._count_mvms(name, phase, demand, fraction, span, activity, sample_mvms,
                         math.ceil(sum(spilled.values())), samples)
        if demand.partial_sum_adds_per_mvm and len(tiles) > 1:  # partial sums meet across tiles
            per_mvm = (demand.partial_sum_adds_per_mvm * fraction
                       * self.hw.periphery.partial_sum_bits / 8)
            yield from wait(self.env, self.links.over(name, phase, tiles, per_mvm * sample_mvms,
                                                      math.ceil(per_mvm * mvms_before),
                                                      samples=samples))
        return span

    def _dac_bytes(self, d, fraction: float, activity: float, mvms: int) -> float:
        """Input bytes the DACs fetch for ``mvms`` of one sample's MVMs: slices x driven lines x
        DAC bits (as ``_count_mvms`` counts them)."""
        return mvms * d.slices * fraction * d.dac_per_slice * activity * self.hw.periphery.dac_bits / 8

    def _count_mvms(self, name: str, phase: Phase, d, fraction: float, span: tuple[int, int],
                    activity: float, mvms: int | None = None, spilled: int = 0,
                    samples: int = 1) -> None:
        """Counts of ``mvms`` of one sample's MVMs (all by default); ``activity`` is the share of
        input slices that are not zero (DAC conversions and device reads happen only for those;
        the ADCs convert always)."""
        mvms = d.mvms_per_sample if mvms is None else mvms
        led, reads = self.ledger, mvms * d.slices * fraction
        dac = reads * d.dac_per_slice * activity
        adc = reads * d.adc_per_slice
        led.count(name, phase, Component.DAC, Action.CONVERT, round(dac), samples)
        # driven rows, sensed columns
        led.count(name, phase, Component.CROSSBAR, Action.WORDLINE_CHARGE, round(dac), samples)
        led.count(name, phase, Component.CROSSBAR, Action.BITLINE_CHARGE, round(adc), samples)
        led.count(name, phase, Component.SAMPLE_HOLD, Action.SAMPLE, round(adc), samples)
        led.count(name, phase, Component.ADC, Action.CONVERT, round(adc), samples)
        led.count(name, phase, Component.SHIFT_ADD, Action.OP, round(adc), samples)
        led.count(name, phase, Component.SHIFT_ADD, Action.PARTIAL_SUM_ADD,
                  round(d.partial_sum_adds_per_mvm * mvms * fraction), samples)
        # the DACs read their input bits out of the local buffer while the MVMs run
        # (inputs that spilled come from the staging buffer instead: ``_analog_mvms``)
        led.move(span[0], self.local.name, READ,
                 math.ceil(dac * self.hw.periphery.dac_bits / 8) - spilled, name, phase, span[1],
                 samples)
        for device, n in d.devices.items():
            led.count(name, phase, device, Action.READ, round(reads * n * activity), samples)

    def _weightless(self, i: int, b: int):
        """One sample through a vector-unit layer, chunk after chunk (as ``_weighted``)."""
        layer = self.workload.layers[i]
        ops, out_total = layer.vector_ops, self._bytes(layer.output_elems)
        # The unit streams every element through its lanes even when it does no arithmetic (concat).
        streamed, n = max(ops, layer.output_elems, layer.input_elems), self.samples[b]
        for k in range(self.chunks.count[i]):
            yield from self._fetch_chunk(i, b, k, True)
            start = self.env.now
            yield from wait(self.env, self.chip.vector_unit.submit(self.timing.vector_op(
                self.chunks.share(i, k, streamed))))
            self.ledger.count(layer.name, PHASE, Component.VECTOR_UNIT, Action(layer.vector_action),
                              self.chunks.share(i, k, ops), n)
            yield from self._store_output(i, b, self.chunks.share(i, k, out_total), k == 0)
            self.ledger.span(layer.name, PHASE, start, times(self.env))
            announce(self.env, self._output_event(layer.name, b, k))
