"""``python -m hicsim.workload.zoo``: one line per zoo network with its layer, weight and MAC
counts (conv and linear weights only: no biases, no batch norm), to compare with published
figures."""

from hicsim.workload.zoo import NETWORKS, build, names


def main() -> None:
    print(f"{'network':28} {'layers':>6} {'weights':>12} {'MACs/sample':>15}  what")
    for name in names():
        w = build(name)
        print(f"{name:28} {len(w.layers):6d} {w.total_weights:12,d} {w.macs_per_sample:15,d}  "
              f"{NETWORKS[name].summary}")


if __name__ == "__main__":
    main()
