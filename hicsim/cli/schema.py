"""``hicsim schema``: the JSON Schema of the arch spec (or workload) for editor completion."""

from __future__ import annotations

import json

from hicsim.spec import Arch
from hicsim.workload import Workload


def register(sub) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of arch specs or workloads")
    p.add_argument("--of", choices=("arch", "workload"), default="arch")
    p.set_defaults(func=run)


def run(args) -> int:
    model = Arch if args.of == "arch" else Workload
    print(json.dumps(model.model_json_schema(), indent=2))
    return 0
