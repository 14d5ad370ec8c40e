"""Field types of the OPNsense MVC models: how a posted value is stored, validated and rendered.

Values are stored as strings, as in config.xml. ``render`` gives the ``getX``/``get`` shape
(reference §1.6): plain strings for text, numbers and booleans; ``{key: {value, selected}}`` maps
listing every option for option fields (a JSON list when the keys are exactly 0..n-1, PHP's
json_encode quirk); selected-only maps for "AsList" fields. ``display`` is the ``%field`` text
search rows show from 25.7 on.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from lab.emulator.opnsense.core import InternalError

if TYPE_CHECKING:
    from lab.emulator.opnsense.core import Appliance

__all__ = [
    "AsList",
    "Bool",
    "Field",
    "Integer",
    "Option",
    "Text",
    "is_cidr",
    "is_ip",
    "split_csv",
]

REQUIRED = "A value is required."
NOT_IN_LIST = "Option not in list."
BAD_INTEGER = "Invalid integer value."
FAILED = "Validation failed."

Options = Mapping[str, str] | Callable[["Appliance"], Mapping[str, str]]


def split_csv(value: str) -> list[str]:
    """A comma-separated stored value as a list, empty entries dropped."""
    return [part for part in value.split(",") if part != ""]


def is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def is_cidr(value: str) -> bool:
    if "/" not in value:
        return False
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True


class Field:
    """A text-like field: stored as a string, rendered as a string."""

    def __init__(self, default: str = "", required: bool = False, message: str | None = None) -> None:
        self.default = default
        self.required = required
        self.message = message

    def clean(self, raw: Any) -> str:
        """BaseField::setValue: everything becomes a string; arrays are a programming error (500)."""
        if isinstance(raw, (list, dict)):
            raise InternalError("Array to string conversion")
        if raw is None:
            return ""
        if isinstance(raw, bool):
            return "1" if raw else "0"
        return str(raw)

    def check(self, value: str, app: Appliance) -> list[str]:
        """Messages for an invalid value (empty list when valid)."""
        if value == "":
            return [REQUIRED] if self.required else []
        return [] if self.valid(value, app) else [self.message or FAILED]

    def valid(self, value: str, app: Appliance) -> bool:
        return True

    def render(self, value: str, app: Appliance) -> Any:
        return value

    def display(self, value: str, app: Appliance) -> str:
        return value


class Text(Field):
    """Free text, optionally constrained by a regular expression (the model's Mask)."""

    def __init__(self, default: str = "", required: bool = False, mask: str | None = None, message: str | None = None):
        super().__init__(default, required, message)
        self.mask = re.compile(mask) if mask else None

    def valid(self, value: str, app: Appliance) -> bool:
        return self.mask is None or bool(self.mask.fullmatch(value))


class Bool(Field):
    def __init__(self, default: str = "0", required: bool = True) -> None:
        super().__init__(default, required, "Value should be a boolean (0,1).")

    def valid(self, value: str, app: Appliance) -> bool:
        return value in ("0", "1")


class Integer(Field):
    def __init__(
        self,
        default: str = "",
        required: bool = False,
        minimum: int | None = None,
        maximum: int | None = None,
        message: str | None = None,
    ) -> None:
        super().__init__(default, required, message or BAD_INTEGER)
        self.minimum = minimum
        self.maximum = maximum

    def valid(self, value: str, app: Appliance) -> bool:
        if not re.fullmatch(r"-?[0-9]+", value):
            return False
        number = int(value)
        return (self.minimum is None or number >= self.minimum) and (self.maximum is None or number <= self.maximum)


class Option(Field):
    """Single or multiple choice from a fixed or computed list of ``key → display text``."""

    def __init__(
        self,
        options: Options,
        default: str = "",
        required: bool = False,
        multiple: bool = False,
        blank: str = "None",
        message: str | None = None,
    ) -> None:
        super().__init__(default, required, message)
        self.options = options
        self.multiple = multiple
        self.blank = blank

    def choices(self, app: Appliance) -> Mapping[str, str]:
        return self.options(app) if callable(self.options) else self.options

    def selected(self, value: str) -> list[str]:
        return split_csv(value) if self.multiple else ([value] if value != "" else [])

    def valid(self, value: str, app: Appliance) -> bool:
        choices = self.choices(app)
        return all(key in choices for key in self.selected(value))

    def check(self, value: str, app: Appliance) -> list[str]:
        """BaseListField: 25.7 says "Option not in list." once; 26.1+ names each bad item of a multiple
        field ("Option [x] not in list.") and nothing for a single one ("Option [] not in list.", the
        message is formatted with no argument), unless the model gives its own message."""
        if value == "" or self.valid(value, app):
            return super().check(value, app)
        if self.message is not None:
            return [self.message]
        if app.series < (26, 1):
            return [NOT_IN_LIST]
        if not self.multiple:
            return ["Option [] not in list."]
        choices = self.choices(app)
        return [f"Option [{key}] not in list." for key in split_csv(value) if key not in choices]

    def render(self, value: str, app: Appliance) -> Any:
        chosen = set(self.selected(value))
        rendered: dict[str, dict[str, Any]] = {}
        if not self.required and not self.multiple:
            rendered[""] = {"value": self.blank, "selected": 0 if chosen else 1}
        for key, text in self.choices(app).items():
            rendered[key] = {"value": text, "selected": 1 if key in chosen else 0}
        if list(rendered) == [str(index) for index in range(len(rendered))]:
            return list(rendered.values())  # PHP serialises a 0..n-1 keyed array as a JSON list
        return rendered

    def display(self, value: str, app: Appliance) -> str:
        choices = self.choices(app)
        return ",".join(choices.get(key, key) for key in self.selected(value))


class AsList(Field):
    """A comma list rendered as a selected-only map (NetworkField/CSVListField with AsList)."""

    def __init__(
        self,
        default: str = "",
        required: bool = False,
        item: Callable[[str], bool] | None = None,
        message: str | None = None,
    ) -> None:
        super().__init__(default, required, message)
        self.item = item

    def valid(self, value: str, app: Appliance) -> bool:
        return self.item is None or all(self.item(part) for part in split_csv(value))

    def render(self, value: str, app: Appliance) -> Any:
        parts = split_csv(value) or [""]
        return {part: {"value": part, "selected": 1} for part in parts}
