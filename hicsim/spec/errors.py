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


class OptionError(InputError):
    """A bad option of a library call, named as the API names it (``epochs``, ``input_shape``);
    the message names it, and the ``mentions`` it refers to, as ``{name}``. The library shows
    the API's names; the CLI shows its flags (``hicsim.cli.flags``): only the CLI words
    command-line flags."""

    def __init__(self, option: str, message: str, source: str = "", mentions: tuple = ()):
        Exception.__init__(self, option, message, source, mentions)  # args as given (SimPy)
        self.option, self.message, self.mentions = option, message, tuple(mentions)
        self.source = source
        self.problems = [(option, self._worded({}))]

    def _worded(self, names: dict[str, str]) -> str:
        text = self.message
        for name in (self.option, *self.mentions):
            if name:
                text = text.replace("{" + name + "}", names.get(name, name))
        return text

    def render(self, names: dict[str, str] | None = None) -> str:
        """The message, with options shown by ``names`` (option -> its flag) or as named."""
        names = names or {}
        parts = [self.source] if self.source else []
        if self.option:
            parts.append(names.get(self.option, self.option))
        return ": ".join(parts + [self._worded(names)])
