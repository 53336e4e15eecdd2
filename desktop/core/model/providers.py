"""Provider profiles: named Messages API endpoints (Anthropic's, or a local server's).

A profile is a name, a base URL ('' = Anthropic's) and optionally the models it offers, for
endpoints that cannot list them. Its key is not part of it: keys live in the keyring (see
`secrets`), so a profile can be written to config.json as it is. No Qt, and nothing heavy is
imported here: the window reads the profiles before its first paint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from desktop.core.model.errors import NO_KEY_SENT

if TYPE_CHECKING:
    from desktop.core.model.client import ModelClient

ANTHROPIC = "Anthropic"
DEMO = "Demo"
NO_KEY_NEEDED = "none"
"""Sent as the key to endpoints that need none (the SDK insists on one); never a real key."""


@dataclass(frozen=True)
class Provider:
    """One endpoint the user can pick for a conversation or a run."""

    name: str
    base_url: str = ""
    """'' means Anthropic's API (or ANTHROPIC_BASE_URL when set)."""
    models: tuple[str, ...] = ()
    """Offered when the endpoint cannot list its models."""
    prompt_caching: bool | None = None
    """Mark cache breakpoints in requests; None: only for Anthropic's API (some servers
    refuse fields they do not know)."""
    context_window: int = 0
    """Tokens the endpoint's models can take in; 0: known for Claude models, else unknown."""

    @property
    def is_demo(self) -> bool:
        return self.name == DEMO


PRESETS: tuple[Provider, ...] = (
    Provider(ANTHROPIC),
    Provider("Ollama", "http://localhost:11434"),
    Provider("llama.cpp", "http://localhost:8080"),
    Provider(DEMO, models=("demo",)),
)
"""What a new install offers: Anthropic, the two common local servers, and the demo model."""
BUILT_IN = frozenset({ANTHROPIC, DEMO})
"""Profiles every install has: they cannot be renamed or removed."""


def client_for(
    provider: Provider, key: str | None, *, idle_timeout_s: float | None = None,
    key_source: str = "",
) -> ModelClient:
    """A client for the profile. Without a key, Anthropic's profile falls back to the
    environment, and a custom endpoint gets a placeholder: the Anthropic key is never sent to
    a server the user typed in."""
    from desktop.core.model.client import FALLBACK_MODELS, ModelClient

    if not key and provider.base_url:
        key = NO_KEY_NEEDED
    return ModelClient(
        api_key=key or None,
        base_url=provider.base_url or None,
        fallback_models=provider.models or FALLBACK_MODELS,
        idle_timeout_s=idle_timeout_s,
        key_source=NO_KEY_SENT if key == NO_KEY_NEEDED else key_source if key else "",
        prompt_caching=provider.prompt_caching,
    )
