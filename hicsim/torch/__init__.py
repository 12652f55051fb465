"""Any PyTorch network on simulated PCM (the ``torch`` extra; ``import hicsim`` never imports
torch).

    from hicsim.torch import AnalogSGD, convert
    torch.set_num_threads(1)  # else torch's OpenMP threads spin against the kernels (README)
    model = convert(my_model, load_arch("arch_specs/hic_pcm.yaml"), rule="hic", seed=0)
    opt = AnalogSGD(model, lr=0.1)
    loss = F.cross_entropy(model(x), y); opt.zero_grad(); loss.backward(); opt.step()

- ``convert``: ``nn.Linear`` / ``nn.Conv2d`` -> ``AnalogLinear`` / ``AnalogConv2d`` with the
  same weights on the spec's devices; everything else stays in torch.
- ``modules``: the analog modules, thin wrappers of ``hicsim.train.layers``' weight layers (the
  one implementation of the analog forward, transposed read and update; numba kernels behind).
- ``optim``: ``AnalogSGD`` (update rule on the devices, digital SGD elsewhere), ``analog_step``.
- ``models``: ResNet-32 and ResNet-18 (CIFAR stem) with the workload zoo's layer names.
- ``network``: a converted network as ``hicsim train``'s run drives it (loss, checkpoints).
"""

from hicsim.torch.convert import analog_modules, convert
from hicsim.torch.modules import AnalogConv2d, AnalogLinear, as_array
from hicsim.torch.optim import AnalogSGD, analog_step

__all__ = ["convert", "analog_modules", "AnalogLinear", "AnalogConv2d", "AnalogSGD",
           "analog_step", "as_array"]
