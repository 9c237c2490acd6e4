"""The config error report: every problem as ``key.path[index].key: problem``.

Shared by the station schema, the drivers' own connection and tag models, and the loader, so
that a technician reads one kind of message whichever part of the file is wrong.
"""

from __future__ import annotations

from pydantic import ValidationError

from app.config.base import IDENTIFIER

Location = tuple[str | int, ...]

#: Field names whose TOML key differs (``type`` is a Python builtin, so the field is data_type).
_ALIASES = {"data_type": "type"}


class ConfigError(Exception):
    """A station config that cannot be used; ``problems`` lists every ``path: message``."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))

    def report(self) -> str:
        """Human-readable report, one problem per line."""
        count = len(self.problems)
        head = f"{self.source}: {count} problem{'s' if count != 1 else ''}"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])


class LocatedError(ValueError):
    """A cross-field problem that knows the key path it belongs to (relative to its model)."""

    def __init__(self, loc: Location, message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


def format_location(loc: Location) -> str:
    """``('devices', 1, 'tags', 3, 'address')`` -> ``devices[1].tags[3].address``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part == "" or not part.replace("_", "").replace("-", "").isalnum():
            text += f'."{part}"' if text else f'"{part}"'  # an empty or odd key, quoted
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


_TYPE_WORDS = {
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "string_type": "text in quotes",
    "list_type": "a list [ ... ]",
    "dict_type": "a table { ... }",
    "model_type": "a table { ... }",
    "model_attributes_type": "a table { ... }",
}


def _describe_input(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def validation_problems(
    error: ValidationError, prefix: Location = ()
) -> list[tuple[Location, str]]:
    """Every problem of a pydantic error as ``(key path, sentence)``, in words for people.

    Class names, pydantic's wording and empty key paths never reach the user.
    """
    problems: list[tuple[Location, str]] = []
    for item in error.errors(include_url=False):
        loc = tuple(_ALIASES.get(p, p) if isinstance(p, str) else p for p in item["loc"])
        # Drop pydantic's internal step names ('function-after[...]', tagged-union tags).
        loc = tuple(
            p for p in loc if not (isinstance(p, str) and ("[" in p or ("-" in p and "(" in p)))
        )
        ctx_error = (item.get("ctx") or {}).get("error")
        kind = item["type"]
        if isinstance(ctx_error, LocatedError):
            loc = loc + ctx_error.loc
            message = ctx_error.message
        elif kind == "extra_forbidden":
            message = "unknown key (is it misspelt?)"
        elif kind == "missing":
            message = "required key is missing"
        elif (
            kind == "string_pattern_mismatch"
            and (item.get("ctx") or {}).get("pattern") == IDENTIFIER
        ):
            message = (
                f"{item['input']!r} is not a valid name: start with a letter, then letters, "
                "digits, '_' or '-'"
            )
        elif kind in _TYPE_WORDS:
            message = f"must be {_TYPE_WORDS[kind]}, not {_describe_input(item.get('input'))}"
        elif kind == "literal_error":
            expected = (item.get("ctx") or {}).get("expected", "")
            message = f"{_describe_input(item.get('input'))} is not one of {expected}"
        else:
            message = str(item["msg"]).removeprefix("Value error, ")
        problems.append((prefix + loc, message))
    return problems


def validation_lines(error: ValidationError, prefix: Location = ()) -> list[str]:
    """:func:`validation_problems` as ``path: message`` lines."""
    return [
        f"{format_location(loc)}: {message}" for loc, message in validation_problems(error, prefix)
    ]
