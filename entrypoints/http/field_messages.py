"""What is wrong with a request body, field by field, in words, in English and Chinese.

msgspec stops at the first error and speaks of regexes and `$.paths`; a caller needs every invalid field,
named by its JSON path, with the reason in words. So a refused body is checked again here, field by field,
against the type the route expects.
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from typing import Any

import msgspec

# Rules a schema states as a regex, said in words.
RULES = {
    r"^[A-Za-z0-9_-]{6,32}$": ("must be 6–32 letters, digits, `_` or `-`", "须为 6–32 位字母、数字、_ 或 -"),
    r"^[A-Za-z0-9_-]{1,64}$": ("must be 1–64 letters, digits, `_` or `-`", "须为 1–64 位字母、数字、_ 或 -"),
    r"^https?://[^\s]+$": ("must be an http:// or https:// URL without spaces",
                           "须为不含空格的 http:// 或 https:// 地址"),
}
TYPES = {"str": ("a string", "字符串"), "int": ("an integer", "整数"), "bool": ("true or false", "布尔值"),
         "float": ("a number", "数字"), "object": ("an object", "对象"), "array": ("an array", "数组"),
         "null": ("null", "null"), "number": ("a number", "数字")}


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One invalid field: its JSON path and what is wrong, in both languages."""

    key: str
    message: str
    message_zh: str

    def as_json(self) -> dict[str, str]:
        """The entry of `extra.fields`."""
        return {"key": self.key, "source": "body", "message": self.message, "message_zh": self.message_zh}


def body_problems(body: bytes, expected: Any) -> list[FieldProblem]:
    """Every problem of a JSON body for a msgspec Struct type (empty body, bad JSON, each bad field)."""
    if not body.strip():
        return [FieldProblem("body", "the request body is empty; send a JSON object",
                             "请求体为空，请发送 JSON 对象")]
    try:
        document = msgspec.json.decode(body)
    except msgspec.DecodeError as e:
        return [FieldProblem("body", f"the request body is not valid JSON ({e})", f"请求体不是合法的 JSON（{e}）")]
    if not isinstance(document, dict):
        return [FieldProblem("body", "the request body must be a JSON object", "请求体必须是 JSON 对象")]
    if not (isinstance(expected, type) and issubclass(expected, msgspec.Struct)):
        return []
    return struct_problems(document, expected, "")


def struct_problems(document: dict[str, Any], expected: type[msgspec.Struct], prefix: str) -> list[FieldProblem]:
    """Each missing, unknown or invalid field of one object."""
    problems: list[FieldProblem] = []
    fields = msgspec.structs.fields(expected)
    for field in fields:
        key = f"{prefix}{field.encode_name}"
        if field.encode_name not in document:
            partner = getattr(expected, "required_with", {}).get(field.encode_name)
            if field.required or (partner is not None and partner in document):
                problems.append(FieldProblem(key, "is required", "必填"))
            continue
        try:
            msgspec.convert(document[field.encode_name], field.type)
        except msgspec.ValidationError as e:
            problems.append(explain(key, str(e), field.type))
    if getattr(expected.__struct_config__, "forbid_unknown_fields", False):
        known = {f.encode_name for f in fields}
        problems += [FieldProblem(f"{prefix}{k}", "is not a field of this request", "不是此请求的字段")
                     for k in document if k not in known]
    return problems


def explain(key: str, message: str, expected: Any = None) -> FieldProblem:
    """A msgspec message about one field, said in words; nested paths (`- at $[0].x`) join the key."""
    text, _, where = message.partition(" - at `$")
    if where:
        key += where.rstrip("`").replace("`", "")
    if m := re.fullmatch(r"Expected `str` matching regex '(.+)'", text):
        english, chinese = RULES.get(m.group(1), ("has the wrong format", "格式不正确"))
        return FieldProblem(key, english, chinese)
    if m := re.fullmatch(r"Expected `str` of length (>=|<=) (\d+)", text):
        least = m.group(1) == ">="
        return FieldProblem(key, f"must be at {'least' if least else 'most'} {m.group(2)} characters",
                            f"{'至少' if least else '最多'} {m.group(2)} 个字符")
    if m := re.fullmatch(r"Expected `(\w+)` (>=|<=) (-?\d+)", text):
        least = m.group(2) == ">="
        return FieldProblem(key, f"must be at {'least' if least else 'most'} {m.group(3)}",
                            f"{'不得小于' if least else '不得大于'} {m.group(3)}")
    if m := re.fullmatch(r"Expected `([\w |]+)`, got `(\w+)`", text):
        wanted = [TYPES.get(t.strip(), (t, t)) for t in m.group(1).split("|") if t.strip() != "null"]
        got = TYPES.get(m.group(2), (m.group(2), m.group(2)))
        return FieldProblem(key, f"must be {' or '.join(w[0] for w in wanted)} (got {got[0]})",
                            f"应为{'或'.join(w[1] for w in wanted)}（收到{got[1]}）")
    if text.startswith("Invalid enum value"):
        choices = _choices(expected)
        return FieldProblem(key, f"must be one of {choices}" if choices else "is not an allowed value",
                            f"须为以下之一：{choices}" if choices else "不是允许的取值")
    return FieldProblem(key, text, f"不符合要求（{text}）")  # a rule not said in words yet: still a Chinese reason


def _choices(expected: Any) -> str:
    """The allowed values of a Literal (or optional Literal) type, quoted."""
    if typing.get_origin(expected) is typing.Literal:
        return ", ".join(repr(v) for v in typing.get_args(expected))
    return next((c for c in map(_choices, typing.get_args(expected)) if c), "")
