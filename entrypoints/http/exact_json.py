"""JSON request bodies with exact numbers: every JSON number with a fraction or exponent becomes the Decimal of
its own digits, never a float (Litestar's decoder would hand amounts over as floats)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import SerializationException
from litestar.types import Empty

_DECODER = msgspec.json.Decoder(float_hook=Decimal)


class ExactJsonRequest(Request[Any, Any, Any]):
    """A request whose JSON body keeps numbers exact."""

    async def json(self) -> Any:
        """The JSON body, numbers as int or Decimal."""
        if self._json is Empty:
            body = await self.body()
            try:
                self._json = self._connection_state.json = _DECODER.decode(body or b"null")
            except msgspec.DecodeError as e:
                raise SerializationException(str(e)) from e
        return self._json
