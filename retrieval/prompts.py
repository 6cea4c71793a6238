"""Prompt templates live as text files in `prompts/`, loaded by name.

A template uses `$name` placeholders (`$$` for a literal dollar). Rendering fails loudly
when a variable is missing or unknown, so a prompt and its caller can't drift apart.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path

from retrieval.errors import ConfigError

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


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


@cache
def load_prompt(name: str, directory: Path = PROMPTS_DIR) -> PromptTemplate:
    path = directory / f"{name}.txt"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in directory.glob("*.txt"))) or "none"
        raise ConfigError(f"No prompt named {name!r} in {directory} (known: {known}).")
    return PromptTemplate(name, path.read_text(encoding="utf-8"))


def render_prompt(name: str, **values: object) -> str:
    return load_prompt(name).render(**values)
