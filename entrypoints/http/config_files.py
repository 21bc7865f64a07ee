"""A payment config as a form (multipart/form-data): each field a form field or an uploaded file, so the
certificates and keys a provider's console hands out (an app's public-key certificate, the provider's certificate
and root certificate, a merchant's private key) are sent as the files they are. Read into the JSON body's shape,
with the same checks, and handed to the same use case."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec
from litestar.datastructures import UploadFile

from application.errors import InvalidConfig
from entrypoints.http.config_schemas import ConfigRequest

FILE_LIMIT = 256 * 1024  # a certificate chain is a few KiB; the whole body is capped at 1 MiB anyway
_AT = re.compile(r"(?:at `\$\.|unknown field `)([^`]+)`")


async def form_fields(form: Mapping[str, Any], shape: type[ConfigRequest]) -> dict[str, Any]:
    """The config fields of a form, as `ConfigRequest.given()` gives them: files read as UTF-8 text, other values
    read as the JSON body's types (`"true"` a boolean, `"2"` a number); InvalidConfig naming the first bad one."""
    values: dict[str, Any] = {}
    for name, value in form.items():
        if isinstance(value, UploadFile):
            values[name] = await _text(name, value)
        elif isinstance(value, str):
            values[name] = value
        else:  # a list: the same name twice
            raise InvalidConfig(name, "is given more than once", "重复给出")
    try:
        request = msgspec.convert(values, shape, strict=False)
    except msgspec.ValidationError as e:
        found = _AT.search(str(e))
        field = found.group(1) if found else "body"
        raise InvalidConfig(field, f"is not valid: {e}", f"格式不对：{e}") from e
    return request.given()


async def _text(name: str, upload: UploadFile) -> str:
    raw = await upload.read(FILE_LIMIT + 1)
    if len(raw) > FILE_LIMIT:
        raise InvalidConfig(name, f"is a file over {FILE_LIMIT // 1024} KiB; a certificate or key is a few KiB",
                            f"文件超过 {FILE_LIMIT // 1024} KiB；证书或密钥只有几 KiB")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InvalidConfig(name, "is not a text file: send the PEM file (-----BEGIN …) the console gave you",
                            "不是文本文件：请上传控制台下载的 PEM 文件（-----BEGIN …）") from e
