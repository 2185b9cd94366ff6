"""The refusal every registry service raises: a message a person can act on, and a code."""


class RegistryError(Exception):
    """A refused registry action. `message` says which rule applied and what to do instead."""

    def __init__(self, message, *, code="refused"):
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self):
        return self.message


class PolicyRefusal(RegistryError):
    """The deletion policy (or the actor's role) refuses the action; `decision` says why."""

    def __init__(self, decision):
        super().__init__(decision.explanation, code=decision.rule)
        self.decision = decision
