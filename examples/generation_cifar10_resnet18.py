"""Accuracy with generated weights for ResNet-18 on CIFAR-10 (PyTorch), at the published tuples.

    python examples/generation_cifar10_resnet18.py --data cifar10.npz [--epochs 30]
        [--checkpoint resnet18.pt] [--tuple 2,44,3,6,3 ...]

``--data``: an ``.npz`` with ``x_train, y_train, x_test, y_test`` (images (N, 32, 32, 3) as
CIFAR-10 ships, or (N, 3, 32, 32); the format ``hicsim train --dataset`` reads). Nothing is
downloaded. The network is torchvision's ResNet-18 with the CIFAR stem (3x3 conv, no max pool),
``hicsim.torch.models.resnet18_cifar``, module for module the zoo's ``resnet18_cifar10``, so the zoo's layers plan it. It is trained
(SGD, momentum 0.9, cosine learning rate, random crops and flips), or loaded from
``--checkpoint`` if that file exists (and saved there after training otherwise). Then, for each
tuple under the published accounting convention, every conv and the classifier are fitted (SVD /
ALS, quantised to the tuple's bits), the generated weights replace the trained ones, and the
test set is evaluated. Batch norms keep their trained parameters and statistics; with
``--recalibrate N`` the statistics are re-estimated on N training batches after generation
(generated weights shift every layer's output distribution).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from hicsim.generation.accuracy import accuracy_text, accuracy_with_generation, tuple_specs
from hicsim.torch.models import resnet18_cifar
from hicsim.train.data import load_dataset
from hicsim.workload import zoo

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "arch_specs" / "hic_pcm_generation.yaml"


def _augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random 32x32 crops of the 4-pixel-padded images and horizontal flips."""
    n = x.shape[0]
    padded = F.pad(x, (4, 4, 4, 4))
    dy, dx = torch.randint(0, 9, (2,), generator=generator).tolist()
    x = padded[:, :, dy:dy + 32, dx:dx + 32]
    flip = torch.rand(n, generator=generator) < 0.5
    return torch.where(flip[:, None, None, None], x.flip(3), x)


def train(model: nn.Module, x: torch.Tensor, y: torch.Tensor, epochs: int, batch: int, lr: float,
          seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)
    steps = epochs * ((len(x) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(1, steps))
    model.train()
    for epoch in range(epochs):
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), batch):
            idx = order[start:start + batch]
            loss = F.cross_entropy(model(_augment(x[idx], generator)), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        print(f"epoch {epoch + 1}/{epochs}: last batch loss {loss.item():.3f}", flush=True)


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 500) -> float:
    model.eval()
    correct = sum(int((model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum())
                  for i in range(0, len(x), batch))
    return correct / len(x)


@torch.no_grad()
def recalibrate(model: nn.Module, x: torch.Tensor, batches: int, batch: int = 256) -> None:
    """Batch-norm running statistics re-estimated on ``batches`` training batches."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # cumulative average
    model.train()
    for i in range(batches):
        model(x[i * batch:(i + 1) * batch])


def evaluator(model: nn.Module, data, calibration: torch.Tensor, recalibration: int):
    modules = dict(model.named_modules())
    trained = {k: v.clone() for k, v in model.state_dict().items()}
    x_test, y_test = data

    def evaluate(weights) -> float:
        model.load_state_dict(trained)
        if weights is not None:
            with torch.no_grad():
                for name, w in weights.items():
                    modules[name].weight.copy_(torch.as_tensor(w, dtype=torch.float32))
            if recalibration:
                recalibrate(model, calibration, recalibration)
        try:
            return accuracy(model, x_test, y_test)
        finally:
            model.load_state_dict(trained)
    return evaluate


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help=".npz with x_train, y_train, x_test, y_test")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint", help="state_dict file: loaded if present, else written")
    parser.add_argument("--tuple", action="append", metavar="BI,BO,QB,QU,QV",
                        help="factorisation tuple (repeatable); default: the published ones")
    parser.add_argument("--iterations", type=int, default=100, help="ALS rounds at most")
    parser.add_argument("--recalibrate", type=int, default=0, metavar="BATCHES",
                        help="training batches to re-estimate batch-norm statistics on after "
                             "generation (default 0: the trained statistics, as the digits "
                             "example)")
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)
    data = load_dataset(args.data)
    if data.input_shape != (3, 32, 32) or data.classes > 10:
        raise SystemExit(f"{args.data}: expected CIFAR-10-shaped data (3 x 32 x 32 images, "
                         f"10 classes), got {data.input_shape} and {data.classes} classes")
    x_train, y_train = torch.from_numpy(data.x_train), torch.from_numpy(data.y_train)
    x_test, y_test = torch.from_numpy(data.x_test), torch.from_numpy(data.y_test)
    model = resnet18_cifar(classes=10)
    if args.checkpoint and Path(args.checkpoint).is_file():
        model.load_state_dict(torch.load(args.checkpoint, weights_only=True))
    else:
        train(model, x_train, y_train, args.epochs, args.batch, args.lr, args.seed)
        if args.checkpoint:
            torch.save(model.state_dict(), args.checkpoint)
    layers = zoo.build("resnet18_cifar10").weighted_layers
    modules = dict(model.named_modules())
    weights = {l.name: modules[l.name].weight.detach().double().numpy() for l in layers}
    tuples = [tuple(int(v) for v in t.split(",")) for t in args.tuple] if args.tuple else None
    shuffled = x_train[torch.randperm(len(x_train), generator=torch.Generator().manual_seed(args.seed))]
    evaluate = evaluator(model, (x_test, y_test), shuffled, args.recalibrate)
    acc, fits = accuracy_with_generation(
        weights, layers, tuple_specs(SPEC, *([tuples] if tuples else [])), evaluate,
        iterations=args.iterations)
    print(f"{args.data}: ResNet-18 (CIFAR stem), {len(x_train)} training and {len(x_test)} test "
          f"images; published convention")
    print(accuracy_text(acc, fits))


if __name__ == "__main__":
    main()
