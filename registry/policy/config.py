"""The active preset and its parameters, checked before any decision is made."""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .presets import _PRESETS, FLAGS, flags_summary


class PolicyConfigError(ValueError):
    """The configured preset or one of its parameters is not valid."""


DEFAULT_PRESET = "proposal-2022"


@dataclass(frozen=True)
class PolicyConfig:
    """A preset and its parameters; parameters left out take the preset's defaults."""

    preset: str
    params: Mapping[str, int]

    def __post_init__(self):
        params = _check_params(self.preset, self.params, coerce=False)
        # Frozen, so write through object; a read-only view keeps the config immutable.
        object.__setattr__(self, "params", MappingProxyType(params))

    def __hash__(self):
        # The generated hash would fail on the mapping; hashable configs can key caches.
        return hash((self.preset, tuple(sorted(self.params.items()))))

    def describe(self) -> str:
        """Summarise the preset and its parameters in a sentence or two, for pages."""
        summary = _PRESETS[self.preset].summary(self.params)
        flags = flags_summary(self.params)
        return f"Deletion policy {self.preset}: {summary}{' ' + flags if flags else ''}"


def build_config(
    preset: str = DEFAULT_PRESET, overrides: Mapping[str, object] | None = None
) -> PolicyConfig:
    """Build a PolicyConfig, accepting numeric strings (from the environment) as values."""
    preset = preset.strip() if isinstance(preset, str) else preset
    return PolicyConfig(preset, _check_params(preset, overrides or {}, coerce=True))


def _check_params(preset: str, given: Mapping[str, object], *, coerce: bool) -> dict[str, int]:
    """Return the preset's defaults updated with `given`, or raise PolicyConfigError."""
    if preset not in _PRESETS:
        raise PolicyConfigError(
            f"Unknown deletion policy preset {preset!r}; "
            f"valid presets are: {', '.join(sorted(_PRESETS))}."
        )
    defaults = _PRESETS[preset].defaults
    params = dict(defaults)
    for given_name, value in given.items():
        # Names from the environment arrive upper-case (HOLDFAST_POLICY_WINDOW_HOURS).
        name = given_name.lower() if coerce and isinstance(given_name, str) else given_name
        if name not in defaults:
            valid = ", ".join(sorted(defaults)) if defaults else "none (it takes no parameters)"
            raise PolicyConfigError(
                f"Unknown parameter {given_name!r} for deletion policy preset {preset!r}; "
                f"valid parameters are: {valid}."
            )
        params[name] = _check_value(preset, name, value, coerce=coerce)
    return params


def _check_value(preset: str, name: str, value: object, *, coerce: bool) -> int:
    checked = _whole_number(value, coerce=coerce)
    if name in FLAGS:
        # Whatever the mistake ("yes", True, 2), a flag's error says its only two values.
        if checked in (0, 1):
            return checked
        raise PolicyConfigError(
            f"Parameter {name!r} of deletion policy preset {preset!r} is on (1) or off (0), "
            f"not {value!r}."
        )
    if checked is not None:
        return checked
    raise PolicyConfigError(
        f"Parameter {name!r} of deletion policy preset {preset!r} must be a non-negative "
        f"whole number, not {value!r}."
    )


def _whole_number(value: object, *, coerce: bool) -> int | None:
    if coerce and isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    # bool is an int subclass, but True is a mistake here, not 1.
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None
