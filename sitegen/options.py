"""Typed, documented configuration options (after MkDocs' config_options).

A `Schema` subclass declares its options once, as class attributes, each with a
docstring-like ``doc``. `Schema.load` checks a TOML table against them and returns an
instance whose attributes are the validated values. Every error reads
``<file>: Config value '<key>': expected <what>, got <what was found>``; unknown keys
become warnings (which ``--strict`` turns into a failure).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from .errors import ConfigError

REQUIRED: Any = object()


class ValidationError(Exception):
    """Raised by an option: what was expected (the value found is added by the caller)."""

    def __init__(self, expected: str, *, found: str | None = None):
        self.expected = expected
        self.found = found
        super().__init__(expected)


def describe(value: Any) -> str:
    """How a found value is shown in an error: its repr and its TOML type."""
    kinds = {
        bool: "a boolean",
        int: "an integer",
        float: "a float",
        str: "a string",
        list: "an array",
        dict: "a table",
    }
    kind = kinds.get(type(value), type(value).__name__)
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{shown} ({kind})"


@dataclass
class LoadContext:
    """Where values come from and where warnings go."""

    file: Path
    base_dir: Path
    warnings: list[str] = field(default_factory=list)

    def error(self, key: str, expected: str, value: Any = REQUIRED, found: str | None = None) -> ConfigError:
        if found is None:
            found = "nothing (the key is missing)" if value is REQUIRED else describe(value)
        return ConfigError(f"Config value '{key}': expected {expected}, got {found}", where=self.file)

    def warn(self, message: str) -> None:
        self.warnings.append(f"{self.file}: {message}")


class Option:
    """One configuration value: its default, its documentation, its validation."""

    expected = "a value"

    def __init__(self, default: Any = REQUIRED, doc: str = ""):
        self.default = default
        self.doc = doc

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def validate(self, value: Any, ctx: LoadContext, key: str) -> Any:
        return value


class Str(Option):
    expected = "a string"

    def __init__(self, default: Any = REQUIRED, doc: str = "", pattern: str | None = None, non_empty: bool = False):
        super().__init__(default, doc)
        self.pattern = re.compile(pattern) if pattern else None
        self.non_empty = non_empty

    def validate(self, value, ctx, key):
        if not isinstance(value, str):
            raise ValidationError(self.expected)
        if self.non_empty and not value.strip():
            raise ValidationError("a non-empty string")
        if self.pattern and not self.pattern.fullmatch(value):
            raise ValidationError(f"a string matching {self.pattern.pattern}")
        return value


class Bool(Option):
    expected = "true or false"

    def validate(self, value, ctx, key):
        if not isinstance(value, bool):
            raise ValidationError(self.expected)
        return value


class Number(Option):
    """An int or float within optional bounds (bool is not a number here)."""

    def __init__(self, default: Any = REQUIRED, doc: str = "", minimum=None, maximum=None, integer: bool = False,
                 exclusive_minimum: bool = False):
        super().__init__(default, doc)
        self.minimum = minimum
        self.maximum = maximum
        self.integer = integer
        self.exclusive_minimum = exclusive_minimum

    @property
    def expected(self) -> str:  # type: ignore[override]
        kind = "an integer" if self.integer else "a number"
        if self.minimum is not None and self.maximum is not None:
            low = "greater than" if self.exclusive_minimum else "from"
            return f"{kind} {low} {self.minimum} to {self.maximum}"
        if self.minimum is not None:
            return f"{kind} {'>' if self.exclusive_minimum else '>='} {self.minimum}"
        if self.maximum is not None:
            return f"{kind} <= {self.maximum}"
        return kind

    def validate(self, value, ctx, key):
        allowed = (int,) if self.integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, allowed):
            raise ValidationError(self.expected)
        if self.minimum is not None:
            if value < self.minimum or (self.exclusive_minimum and value == self.minimum):
                raise ValidationError(self.expected)
        if self.maximum is not None and value > self.maximum:
            raise ValidationError(self.expected)
        return value


def Int(default: Any = REQUIRED, doc: str = "", minimum=None, maximum=None) -> Number:
    return Number(default, doc, minimum=minimum, maximum=maximum, integer=True)


def Float(default: Any = REQUIRED, doc: str = "", minimum=None, maximum=None, exclusive_minimum=False) -> Number:
    return Number(default, doc, minimum=minimum, maximum=maximum, exclusive_minimum=exclusive_minimum)


class Choice(Option):
    def __init__(self, choices: tuple, default: Any = REQUIRED, doc: str = ""):
        super().__init__(default, doc)
        self.choices = tuple(choices)

    @property
    def expected(self) -> str:  # type: ignore[override]
        return "one of " + ", ".join(repr(c) for c in self.choices)

    def validate(self, value, ctx, key):
        if value not in self.choices or isinstance(value, bool) != any(isinstance(c, bool) for c in self.choices):
            raise ValidationError(self.expected)
        return value


class ListOf(Option):
    def __init__(self, item: Option, default: Any = REQUIRED, doc: str = "", min_length: int = 0):
        super().__init__(default, doc)
        self.item = item
        self.min_length = min_length

    @property
    def expected(self) -> str:  # type: ignore[override]
        at_least = f" of at least {self.min_length}" if self.min_length else ""
        return f"an array{at_least} of {self.item.expected}"

    def validate(self, value, ctx, key):
        if not isinstance(value, list) or len(value) < self.min_length:
            raise ValidationError(self.expected)
        out = []
        for i, item in enumerate(value):
            try:
                out.append(self.item.validate(item, ctx, f"{key}[{i}]"))
            except ValidationError as e:
                raise ctx.error(f"{key}[{i}]", e.expected, item, e.found) from None
        return out


class FilePath(Option):
    """A path relative to the config file's folder; ``exists`` checks it at load time."""

    expected = "a path (a string)"

    def __init__(self, default: Any = REQUIRED, doc: str = "", exists: bool = False, kind: str = "any"):
        super().__init__(default, doc)
        self.exists = exists
        self.kind = kind  # "file", "dir" or "any"

    def validate(self, value, ctx, key):
        if not isinstance(value, str) or not value:
            raise ValidationError(self.expected)
        path = (ctx.base_dir / value) if not Path(value).is_absolute() else Path(value)
        if self.exists:
            ok = path.is_file() if self.kind == "file" else path.is_dir() if self.kind == "dir" else path.exists()
            if not ok:
                noun = {"file": "an existing file", "dir": "an existing folder"}.get(self.kind, "an existing path")
                raise ValidationError(noun, found=f"'{value}', which does not exist (looked at {path})")
        return path


class Table(Option):
    """A nested table checked against a `Schema`."""

    def __init__(self, schema: type["Schema"], default: Any = REQUIRED, doc: str = ""):
        super().__init__(default, doc)
        self.schema = schema
        self.expected = "a table"

    def validate(self, value, ctx, key):
        if not isinstance(value, dict):
            raise ValidationError("a table")
        return self.schema.load(value, ctx, prefix=f"{key}.")


class TableOf(Option):
    """Named tables of one schema: ``[datasets.mnist]``, ``[models.cnn]``."""

    name_pattern = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")

    def __init__(self, schema: type["Schema"] | Any, default: Any = REQUIRED, doc: str = ""):
        super().__init__(default, doc)
        self.schema = schema

    @property
    def expected(self) -> str:  # type: ignore[override]
        return "a table of named tables"

    def validate(self, value, ctx, key):
        if not isinstance(value, dict):
            raise ValidationError(self.expected)
        out = {}
        for name, table in value.items():
            if not self.name_pattern.fullmatch(name):
                raise ctx.error(f"{key}.{name}", "a name of letters, digits, '-' and '_'", found=repr(name))
            if not isinstance(table, dict):
                raise ctx.error(f"{key}.{name}", "a table", table)
            loaded = self.schema.load(table, ctx, prefix=f"{key}.{name}.")
            loaded.name = name
            out[name] = loaded
        return out


S = TypeVar("S", bound="Schema")


class Schema:
    """A set of options; subclasses declare them as class attributes."""

    options: ClassVar[dict[str, Option]] = {}
    #: keys that are valid but read elsewhere (not warned about, not validated here)
    passthrough: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        collected: dict[str, Option] = {}
        for base in reversed(cls.__mro__[1:]):
            collected.update(getattr(base, "options", {}))
        for name, value in list(vars(cls).items()):
            if isinstance(value, Option):
                collected[name] = value
        cls.options = collected

    @classmethod
    def load(cls: type[S], table: dict, ctx: LoadContext, prefix: str = "") -> S:
        self = cls.__new__(cls)
        for key in table:
            if key not in cls.options and key not in cls.passthrough:
                ctx.warn(f"unknown key '{prefix}{key}' (ignored)")
        for name, option in cls.options.items():
            full = prefix + name
            if name not in table:
                if option.required:
                    raise ctx.error(full, option.expected)
                if option.default is None:
                    setattr(self, name, None)
                    continue
            # Defaults go through validation too, so a default path is resolved like a given one.
            value = table.get(name, option.default)
            try:
                setattr(self, name, option.validate(value, ctx, full))
            except ValidationError as e:
                raise ctx.error(full, e.expected, value, e.found) from None
        self.raw = table
        self.post_validate(ctx, prefix)
        return self

    def post_validate(self, ctx: LoadContext, prefix: str) -> None:
        """Checks across several options; raise ``ctx.error(...)`` on a bad combination."""

    @classmethod
    def defaults(cls: type[S], ctx: LoadContext) -> S:
        return cls.load({}, ctx)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.options)
        return f"{type(self).__name__}({fields})"
