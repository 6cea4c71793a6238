"""Prompt templates live as text files in the top-level `prompts` package, loaded by name.

They are package data, read with `importlib.resources`, so an installed wheel finds them
as a checkout does.

A template uses `$name` placeholders (`$$` for a literal dollar). Rendering fails loudly
when a variable is missing or unknown, so a prompt and its caller can't drift apart.
"""

from __future__ import annotations

import string
from datetime import date
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable

from retrieval.errors import ConfigError

PROMPTS_DIR: Traversable = files("prompts")


class PromptTemplate:
    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self._template = string.Template(text)
        self.variables = frozenset(
            named or braced
            for _, named, braced, _ in self._template.pattern.findall(text)
            if named or braced
        )

    def render(self, **values: object) -> str:
        missing = self.variables - values.keys()
        unknown = values.keys() - self.variables
        if missing or unknown:
            problems = []
            if missing:
                problems.append(f"missing {', '.join(sorted(missing))}")
            if unknown:
                problems.append(f"unknown {', '.join(sorted(unknown))}")
            raise ConfigError(f"Prompt {self.name!r}: {'; '.join(problems)}.")
        return self._template.substitute({k: str(v) for k, v in values.items()}).strip()


def prompt_names(directory: Traversable = PROMPTS_DIR) -> list[str]:
    return sorted(
        entry.name.removesuffix(".txt")
        for entry in directory.iterdir()
        if entry.name.endswith(".txt") and entry.is_file()
    )


def load_prompt(name: str, directory: Traversable | None = None) -> PromptTemplate:
    """The template `name`, from the installed `prompts` package unless `directory` is given."""
    return _packaged(name) if directory is None else _read(name, directory)


@cache
def _packaged(name: str) -> PromptTemplate:
    return _read(name, PROMPTS_DIR)


def _read(name: str, directory: Traversable) -> PromptTemplate:
    path = directory / f"{name}.txt"
    if not path.is_file():
        known = ", ".join(prompt_names(directory)) or "none"
        raise ConfigError(f"No prompt named {name!r} in {directory} (known: {known}).")
    return PromptTemplate(name, path.read_text(encoding="utf-8"))


def render_prompt(name: str, **values: object) -> str:
    return load_prompt(name).render(**values)


def refusal_text(as_of: date | None = None) -> str:
    """What newsbot says when its articles don't answer (prompts/refusal.txt); an as-of
    day in the past narrows it to the articles published up to then."""
    scope = f" published up to {as_of.isoformat()}" if as_of and as_of < date.today() else ""
    return render_prompt("refusal", scope=scope)
