"""The one error type for bad input: it names the file and the key path."""

from __future__ import annotations


class InputError(Exception):
    """Bad user input (a spec, workload, sweep or data file). The CLI prints it and exits 2."""

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems  # (key path, what is wrong)
        # args as given, so that copies (SimPy re-raises type(exc)(*exc.args)) are equal
        super().__init__(source, problems)

    def __str__(self) -> str:
        return self.render()

    def render(self) -> str:
        lines = []
        for path, msg in self.problems:
            where = f"{self.source}: {path}" if path else self.source
            lines.append(f"{where}: {msg}")
        return "\n".join(lines)


def single(source: str, message: str, path: str = "") -> InputError:
    return InputError(source, [(path, message)])
