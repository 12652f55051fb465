"""Regenerate hicsim/components/data/cacti_sram.csv: CACTI 7.0 run over a grid of SRAM buffers.

Usage: python tools/cacti_sram_table.py PATH/TO/cacti PATH/TO/cache.cfg [NODE_NM ...] > cacti_sram.csv
(22, 32 and 45 nm by default; a subset, to run nodes in parallel and concatenate the rows).

CACTI: github.com/HewlettPackard/cacti at commit 1ffd8df ("updated README to include references";
version_cacti.h: 7.0, "3DD Prerelease", Aug 2012), built with ``make -f cacti.mk TAG=opt
OPT="-O2 -DNTHREADS=1"``. The configuration is the repository's own cache.cfg with only these
keys changed: a scratchpad ("ram", direct mapped, no tag, no ECC), one read-write port, one bank,
ITRS low-standby-power devices for cells and periphery (itrs-lstp: the flavour of the foundry
low-power processes accelerator buffers are built in; CACTI's high-performance itrs-hp and
low-operating-power itrs-lop devices leak 100 to 1000 times more at 45 nm and 360 K, which would
make a buffer's leakage dominate a chip's energy), the block and bus width of the port, the
capacity and the node. Everything else (360 K, ED^2 optimisation,
Global_30 wires, conservative interconnect projection) is cache.cfg's default.

Each row: node, capacity, port width, then CACTI's dynamic read and write energy per access,
subthreshold and gate leakage of the bank, and its height x width as area.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile

NODES_NM = (22, 32, 45)  # the shipped specs' nodes (CACTI 7 models 22 to 90 nm)
CAPACITIES = tuple(2 ** k for k in range(10, 25))  # 1 KiB .. 16 MiB
WIDTHS = (64, 128, 256, 512, 1024, 2048)  # bits per access

FIELDS = {"read_nJ": r"Total dynamic read energy per access \(nJ\): (\S+)",
          "write_nJ": r"Total dynamic write energy per access \(nJ\): (\S+)",
          "leak_mW": r"Total leakage power of a bank \(mW\): (\S+)",
          "gate_leak_mW": r"Total gate leakage power of a bank \(mW\): (\S+)",
          "height_mm": r"Cache height x width \(mm\): (\S+) x",
          "width_mm": r"Cache height x width \(mm\): \S+ x (\S+)"}


def config(base: str, node_nm: int, capacity: int, width: int) -> str:
    changes = {"-size (bytes)": str(capacity), "-block size (bytes)": str(width // 8),
               "-associativity": "1", "-technology (u)": f"{node_nm / 1000:.3f}",
               "-output/input bus width": str(width), "-cache type": '"ram"',
               "-Add ECC": '- "false"', "-read-write port": "1", "-UCA bank count": "1",
               "-Data array cell type": '- "itrs-lstp"', "-Data array peripheral type": '- "itrs-lstp"',
               "-Tag array cell type": '- "itrs-lstp"', "-Tag array peripheral type": '- "itrs-lstp"',
               "-Print level (DETAILED, CONCISE)": '- "CONCISE"', "-Print input parameters": '- "false"'}
    for key, value in changes.items():
        pattern = re.compile(r"^" + re.escape(key) + r".*$", re.M)
        if not pattern.search(base):
            raise SystemExit(f"cache.cfg has no line {key!r}")
        base = pattern.sub(lambda _m: f"{key} {value}", base, count=1)
    return base


def run(cacti: str, cfg_text: str) -> dict[str, float] | None:
    with tempfile.NamedTemporaryFile("w", suffix=".cfg") as f:
        f.write(cfg_text)
        f.flush()
        out = subprocess.run([cacti, "-infile", f.name], capture_output=True, text=True).stdout
    found = {k: re.search(p, out) for k, p in FIELDS.items()}
    if not all(found.values()):
        return None  # CACTI found no valid organisation
    return {k: float(m.group(1)) for k, m in found.items()}


def main(cacti: str, base_cfg: str, nodes: tuple[int, ...] = NODES_NM) -> None:
    base = open(base_cfg).read()
    print("node_nm,capacity_bytes,width_bits,read_nJ,write_nJ,leak_mW,gate_leak_mW,height_mm,width_mm")
    for node in nodes:
        for capacity in CAPACITIES:
            for width in WIDTHS:
                r = run(cacti, config(base, node, capacity, width))
                if r is None:
                    print(f"no organisation: {node} nm {capacity} B {width} b", file=sys.stderr)
                    continue
                print(f"{node},{capacity},{width}," + ",".join(f"{r[k]:.6g}" for k in FIELDS), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], tuple(int(n) for n in sys.argv[3:]) or NODES_NM)
