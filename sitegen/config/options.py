"""Typed, documented configuration options (after MkDocs' config_options).

A `Schema` subclass declares its options once, as class attributes, each with a
docstring-like ``doc``. `Schema.load` checks a TOML table against them and returns an
instance whose attributes are the validated values. Every error reads
``<file>: Config value '<key>': expected <what>, got <what was found>``; unknown keys
become warnings (which ``--strict`` turns into a failure).

Errors are collected, as MkDocs does: every option of every table is checked, and one
`ConfigErrors` lists them all. A schema can have variants: ``variants = ("source",
{...})`` picks, by the value of its ``source`` option, another schema that reads the
rest of the same table (a data set's source kind, a url source's format).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from ..errors import ConfigError, ConfigErrors

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
    """Where values come from, and where warnings and errors go."""

    file: Path
    base_dir: Path
    warnings: list[str] = field(default_factory=list)
    errors: list[ConfigError] = field(default_factory=list)
    #: set while loading the options of a url source's format: file options then name one
    #: of these downloaded files instead of a local path
    downloads: tuple[str, ...] | None = None

    def record(self, error: ConfigError) -> None:
        for one in error.errors if isinstance(error, ConfigErrors) else [error]:
            if not any(one is known for known in self.errors):
                self.errors.append(one)

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


class DownloadName(str):
    """What a file option holds in a url source: the name of one of its downloads."""


class FilePath(Option):
    """A path relative to the config file's folder; ``exists`` checks it at load time.

    In a url source's options (``ctx.downloads`` set) the value names a downloaded file
    instead, and loads as a `DownloadName`."""

    expected = "a path (a string)"

    def __init__(self, default: Any = REQUIRED, doc: str = "", exists: bool = False, kind: str = "any",
                 inside_site: bool = False):
        super().__init__(default, doc)
        self.exists = exists
        self.kind = kind  # "file", "dir" or "any"
        #: the path must resolve inside the config file's folder (links and '..' followed)
        self.inside_site = inside_site

    def validate(self, value, ctx, key):
        if not isinstance(value, str) or not value:
            raise ValidationError(self.expected)
        if ctx.downloads is not None:
            if value not in ctx.downloads:
                raise ValidationError("the file name of one of the urls (" + ", ".join(ctx.downloads) + ")")
            return DownloadName(value)
        path = (ctx.base_dir / value) if not Path(value).is_absolute() else Path(value)
        if self.exists:
            ok = path.is_file() if self.kind == "file" else path.is_dir() if self.kind == "dir" else path.exists()
            if not ok:
                noun = {"file": "an existing file", "dir": "an existing folder"}.get(self.kind, "an existing path")
                raise ValidationError(noun, found=f"'{value}', which does not exist (looked at {path})")
        if self.inside_site and not path.resolve().is_relative_to(ctx.base_dir.resolve()):
            raise ValidationError(f"a path inside the site's folder {ctx.base_dir}",
                                  found=f"'{value}', which leads to {path.resolve()}")
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
        out, failed = {}, False
        for name, table in value.items():
            try:
                if not self.name_pattern.fullmatch(name):
                    raise ctx.error(f"{key}.{name}", "a name of letters, digits, '-' and '_'", found=repr(name))
                if not isinstance(table, dict):
                    raise ctx.error(f"{key}.{name}", "a table", table)
                loaded = self.schema.load(table, ctx, prefix=f"{key}.{name}.", name=name)
            except ConfigError as e:  # recorded; go on with the next table
                ctx.record(e)
                failed = True
                continue
            out[name] = loaded
        if failed:
            raise ConfigErrors(ctx.errors)
        return out


S = TypeVar("S", bound="Schema")


class Schema:
    """A set of options; subclasses declare them as class attributes."""

    options: ClassVar[dict[str, Option]] = {}
    #: (option name, {value: schema}): the schema, chosen by that option's value, that
    #: reads the table's remaining keys; loaded into ``self.variant``
    variants: ClassVar[tuple[str, dict[str, type["Schema"]]] | None] = None

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
    def load(cls: type[S], table: dict, ctx: LoadContext, prefix: str = "", name: str | None = None) -> S:
        """Check ``table``; raise `ConfigErrors` (every problem found, all recorded in
        ``ctx.errors``) or return the loaded instance."""
        self = cls.__new__(cls)
        self.raw = table
        self.name = name
        before = len(ctx.errors)
        if cls.variants is None:
            for key in table:
                if key not in cls.options:
                    ctx.warn(f"unknown key '{prefix}{key}' (ignored)")
        for option_name, option in cls.options.items():
            full = prefix + option_name
            try:
                setattr(self, option_name, cls._load_option(option, option_name, table, ctx, full))
            except ValidationError as e:
                ctx.record(ctx.error(full, e.expected, table.get(option_name, REQUIRED), e.found))
            except ConfigError as e:
                ctx.record(e)
        if len(ctx.errors) == before and cls.variants is not None:
            rest = {k: v for k, v in table.items() if k not in cls.options}
            try:
                self.variant = self.variant_schema(ctx, prefix).load(rest, self.variant_context(ctx, prefix), prefix,
                                                                     name)
            except ConfigError as e:
                ctx.record(e)
        if len(ctx.errors) == before:
            try:
                self.post_validate(ctx, prefix)
            except ConfigError as e:
                ctx.record(e)
        if len(ctx.errors) > before:
            raise ConfigErrors(ctx.errors[before:])
        return self

    @staticmethod
    def _load_option(option: Option, name: str, table: dict, ctx: LoadContext, full: str) -> Any:
        if name not in table:
            if option.required:
                raise ValidationError(option.expected)
            if option.default is None:
                return None
        # Defaults go through validation too, so a default path is resolved like a given one.
        return option.validate(table.get(name, option.default), ctx, full)

    def variant_schema(self, ctx: LoadContext, prefix: str) -> type["Schema"]:
        """The variant for this table: by default, by the value of the option ``variants`` names."""
        key, schemas = self.variants
        if getattr(self, key) is None:
            raise ctx.error(prefix + key, self.options[key].expected)
        return schemas[getattr(self, key)]

    def variant_context(self, ctx: LoadContext, prefix: str) -> LoadContext:
        """The context the variant's options load in (url sources name their downloads)."""
        return ctx

    def post_validate(self, ctx: LoadContext, prefix: str) -> None:
        """Checks across several options; raise ``ctx.error(...)`` on a bad combination."""

    @classmethod
    def defaults(cls: type[S], ctx: LoadContext) -> S:
        return cls.load({}, ctx)

    def key_values(self) -> dict:
        """The options that change what is built from this table, JSON-ready, for a cache key:
        all but the ``DESCRIPTIVE`` ones, with the variant's (recursively). A path's content is
        hashed with the inputs, and its place differs between machines: only that it is set
        counts."""
        descriptive = getattr(self, "DESCRIPTIVE", frozenset())
        out: dict = {}
        for name in sorted(self.options):
            if name not in descriptive:
                value = getattr(self, name)
                out[name] = "<file>" if isinstance(value, Path) else value
        if "variant" in vars(self):
            out["variant"] = self.variant.key_values()
        return out

    def paths(self) -> list[Path]:
        """Every file or folder this table names (its variant's too): what a build reads."""
        found: list[Path] = []

        def walk(value: Any) -> None:
            if isinstance(value, Path):
                found.append(value)
            elif isinstance(value, Schema):
                for item in vars(value).values():
                    walk(item)
            elif isinstance(value, (list, tuple)):
                for item in value:
                    walk(item)
            elif isinstance(value, dict):
                for item in value.values():
                    walk(item)

        for item in vars(self).values():
            walk(item)
        return found

    @classmethod
    def all_options(cls) -> dict[str, Option]:
        """This schema's options and those of every variant, recursively (for documentation)."""
        found = dict(cls.options)
        if cls.variants is not None:
            for schema in cls.variants[1].values():
                for key, option in schema.all_options().items():
                    found.setdefault(key, option)
        return found

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.options)
        return f"{type(self).__name__}({fields})"
