#!/usr/bin/env python3
"""sqlc process plugin: typed asyncpg + msgspec modules from ``sql/queries/*.sql``.

sqlc (``sqlc -f sql/sqlc.yaml generate``) runs this file with its ``GenerateRequest`` as JSON
on stdin and writes the files we print back (``{"files": [{"name", "contents"}]}``, contents
base64) under ``out``. Stdlib only, so any ``python3`` on PATH can run it.

Output: one module per query file (``agents.sql`` -> ``agents.py``), ``enums.py`` (one
``enum.StrEnum`` per user enum), ``_types.py`` (``ConnectionLike``, ``JsonValue``, call
helpers) and ``__init__.py``. Per query: an UPPER_SNAKE SQL constant, a frozen
``<Name>Row`` Struct for multi-column results and ``async def <name>(conn, *, params...)``.
Supported commands: ``:one :many :exec :execrows :copyfrom``.

Result nullability, in order:

1. a column named in a ``-- @nullable a, b`` line of the query's comments is ``T | None``;
2. a plain table column keeps sqlc's ``not_null`` (sqlc accounts for outer joins);
3. a computed column (a function call, or no source table) is ``T | None`` unless sqlc says
   not-null *and* it is either a bare ``count(...)`` or an explicit cast whose alias follows
   it in the text (``x::timestamptz AS x``, ``CAST(x AS bigint) AS x``). A cast is the
   author's declaration of the type and nullability, so a cast aggregate that can be NULL
   (``sum``, ``max``, ``avg`` over no rows) needs a ``-- @nullable`` line.

Anything the generator cannot type (pseudo types such as ``any``/``anyarray``/``record``,
``void`` outside ``:exec``, unknown types, duplicate parameter names, ...) stops generation
with exit status 2 and one line on stderr naming the file, query, column and fix.
"""

from __future__ import annotations

import base64
import json
import keyword
import posixpath
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn, cast

Json = dict[str, Any]

PSEUDO_TYPES = frozenset(
    (
        "",
        "any",
        "anyarray",
        "anycompatible",
        "anycompatiblearray",
        "anycompatiblenonarray",
        "anycompatiblerange",
        "anyelement",
        "anyenum",
        "anymultirange",
        "anynonarray",
        "anyrange",
        "cstring",
        "internal",
        "record",
        "trigger",
        "unknown",
        "void",
    )
)
ALIASES = {
    "integer": "int4",
    "int": "int4",
    "serial": "int4",
    "serial4": "int4",
    "smallint": "int2",
    "smallserial": "int2",
    "serial2": "int2",
    "bigint": "int8",
    "bigserial": "int8",
    "serial8": "int8",
    "real": "float4",
    "float": "float8",
    "double precision": "float8",
    "decimal": "numeric",
    "boolean": "bool",
    "character varying": "varchar",
    "character": "bpchar",
    "char": "bpchar",
    '"char"': "char",
    "timestamp without time zone": "timestamp",
    "timestamp with time zone": "timestamptz",
    "time without time zone": "time",
    "time with time zone": "timetz",
}
# normalised type -> (python type, import); ``_types.X`` names come from the _types module.
TYPES: dict[str, tuple[str, str]] = {
    "bool": ("bool", ""),
    "int2": ("int", ""),
    "int4": ("int", ""),
    "int8": ("int", ""),
    "oid": ("int", ""),
    "float4": ("float", ""),
    "float8": ("float", ""),
    "numeric": ("decimal.Decimal", "decimal"),
    "money": ("str", ""),
    "text": ("str", ""),
    "varchar": ("str", ""),
    "bpchar": ("str", ""),
    "char": ("str", ""),
    "name": ("str", ""),
    "citext": ("str", ""),
    "xml": ("str", ""),
    "macaddr": ("str", ""),
    "macaddr8": ("str", ""),
    "bytea": ("bytes", ""),
    "uuid": ("uuid.UUID", "uuid"),
    "date": ("datetime.date", "datetime"),
    "time": ("datetime.time", "datetime"),
    "timetz": ("datetime.time", "datetime"),
    "timestamp": ("datetime.datetime", "datetime"),
    "timestamptz": ("datetime.datetime", "datetime"),
    "interval": ("datetime.timedelta", "datetime"),
    "json": ("JsonValue", "T:JsonValue"),
    "jsonb": ("JsonValue", "T:JsonValue"),
    "inet": ("Inet", "T:Inet"),
    "cidr": ("Cidr", "T:Cidr"),
    "int4range": ("asyncpg.Range[int]", "asyncpg"),
    "int8range": ("asyncpg.Range[int]", "asyncpg"),
    "numrange": ("asyncpg.Range[decimal.Decimal]", "asyncpg decimal"),
    "daterange": ("asyncpg.Range[datetime.date]", "asyncpg datetime"),
    "tsrange": ("asyncpg.Range[datetime.datetime]", "asyncpg datetime"),
    "tstzrange": ("asyncpg.Range[datetime.datetime]", "asyncpg datetime"),
}
# Types whose Python type already admits None (a jsonb column can hold JSON null).
NONE_INCLUDED = frozenset(("JsonValue",))
SUPPORTED_CMDS = (":one", ":many", ":exec", ":execrows", ":copyfrom")
NULLABLE_RE = re.compile(r"^\s*@nullable\b(.*)$")
CAST_TYPE = r"""(?:"[^"]+"|[a-z_][\w$]*)(?:\.(?:"[^"]+"|[a-z_][\w$]*))?"""
CAST_TAIL = (
    r"""(?:\s*\([^()]*\)|\s+(?:precision|varying|with|without|time|zone)\b|\s*\[\s*\d*\s*\])*"""
)
NESTED = r"""(?:[^()]|\((?:[^()]|\([^()]*\))*\))*"""
LINE_MAX = 100


class GenError(Exception):
    """A problem in the SQL that the author must fix; printed as one stderr line."""


def fail(where: str, message: str) -> NoReturn:
    raise GenError(f"sql/codegen.py: {where}: {message}")


def snake(name: str) -> str:
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return re.sub(r"\W+", "_", s).strip("_").lower()


def pascal(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^0-9A-Za-z]+", name) if p)


def width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def noqa_long(text: str) -> str:
    """Append ``# noqa: E501`` after a (possibly multi-line) construct with too long lines."""
    if any(width(line) > LINE_MAX for line in text.split("\n")):
        return f"{text}  # noqa: E501"
    return text


def py_string(text: str) -> str:
    """Escape text for a triple-quoted Python string (no interpretation of SQL backslashes)."""
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def norm_type(type_: Json) -> str:
    name = str(type_.get("name") or "").lower().strip()
    for prefix in ("pg_catalog.", "public."):
        name = name.removeprefix(prefix)
    schema = str(type_.get("schema") or "").lower()
    if schema and schema not in ("pg_catalog", "public"):
        name = f"{schema}.{name}"
    return ALIASES.get(name, name)


@dataclass(frozen=True)
class PyType:
    """The Python spelling of one column or parameter type."""

    text: str
    imports: frozenset[str]
    enum: str = ""
    dims: int = 0
    nullable: bool = False

    def convert(self, expr: str) -> str:
        """Wrap a raw asyncpg value in the StrEnum when the type is an enum."""
        if not self.enum:
            return expr
        if self.dims == 0:
            if self.nullable:
                return f"_types.enum_or_none({self.enum}, {expr})"
            return f"{self.enum}({expr})"
        if self.nullable:
            return f"_types.enum_list_or_none({self.enum}, {expr})"
        return f"_types.enum_list({self.enum}, {expr})"


@dataclass
class Context:
    """What the whole run knows: enums of the user schemas and the output package."""

    package: str
    enums: dict[str, tuple[str, list[str], str]]  # sql name -> (class, values, comment)
    version: str
    source_dir: str
    schema_source: str
    cmd: str


def python_type(ctx: Context, where: str, col: Json, *, param: bool, nullable: bool) -> PyType:
    sql = norm_type(cast("Json", col.get("type") or {}))
    dims = int(col.get("array_dims") or 0) or (1 if col.get("is_array") else 0)
    enum = ctx.enums.get(sql)
    if enum is not None:
        base, imports, enum_name = enum[0], frozenset((f"E:{enum[0]}",)), enum[0]
        if dims > 1:
            fail(where, f"multi-dimensional arrays of enum {sql} are not supported")
    elif sql in TYPES:
        base, imp = TYPES[sql]
        imports, enum_name = frozenset(imp.split()), ""
        if param and base == "JsonValue":
            base, imports = "JsonInput", frozenset(("T:JsonInput",))
    else:
        what = "a pseudo type" if sql in PSEUDO_TYPES else "not supported by the generator"
        shown = sql or "unknown"
        fix = "e.g. `@since::timestamptz`" if param else "e.g. `max(x)::timestamptz AS x`"
        fail(where, f"type `{shown}` is {what}; add an explicit cast, {fix}")
    text = base
    for _ in range(dims):
        text = f"Sequence[{text}]" if param else f"list[{text}]"
    if param and dims:
        imports |= {"Sequence"}
    if nullable and not (dims == 0 and base in NONE_INCLUDED):
        text = f"{text} | None"
    return PyType(text, imports, enum_name, dims, nullable)


def identifier(where: str, name: str, what: str, reserved: Iterable[str] = ()) -> str:
    if not name.isidentifier() or not name.isascii():
        fail(where, f"{what} `{name}` is not a Python identifier; {fix_for(what)}")
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in reserved:
        return f"{name}_"
    return name


def fix_for(what: str) -> str:
    if what.startswith("column"):
        return "give it an alias, e.g. `... AS my_name`"
    return "name it, e.g. `@my_name::text`"


@dataclass
class Field:
    """One parameter or result column, ready to print."""

    name: str
    type: PyType
    column: str = ""


@dataclass
class Query:
    """One ``-- name:`` block with its resolved parameters and result columns."""

    name: str
    cmd: str
    func: str
    const: str
    doc: list[str]
    sql: str
    params: list[Field]
    columns: list[Field] = field(default_factory=list[Field])
    table: Json = field(default_factory=dict[str, Any])


def parse_comments(where: str, comments: Sequence[str]) -> tuple[list[str], list[str]]:
    doc: list[str] = []
    nullable: list[str] = []
    for line in comments:
        m = NULLABLE_RE.match(line)
        if m is None:
            doc.append(line.strip())
            continue
        names = [n.strip() for n in m.group(1).replace(",", " ").split()]
        if not names:
            fail(where, "`-- @nullable` needs column names, e.g. `-- @nullable last_seen`")
        nullable.extend(names)
    while doc and not doc[-1]:
        doc.pop()
    while doc and not doc[0]:
        doc.pop(0)
    return doc, nullable


def is_declared(text: str, name: str) -> bool:
    """Whether the text has ``count(...) AS name`` or a cast right before ``AS name``."""
    alias = rf"""(?:\s+AS)?\s+"?{re.escape(name)}"?(?![\w"$])"""
    patterns = (
        rf"::\s*{CAST_TYPE}{CAST_TAIL}{alias}",
        rf"\bCAST\s*\({NESTED}\){alias}",
        rf"\bcount\s*\({NESTED}\){alias}",
    )
    return any(re.search(p, text, re.IGNORECASE) for p in patterns)


def result_nullable(col: Json, text: str, forced: set[str]) -> bool:
    name = str(col.get("name") or "")
    if name in forced:
        return True
    if not col.get("not_null"):
        return True
    has_table = bool(cast("Json", col.get("table") or {}).get("name"))
    if has_table and not col.get("is_func_call"):
        return False
    if col.get("is_func_call") and name == "count":
        return False
    return not is_declared(text, name)


def build_query(ctx: Context, q: Json) -> Query:
    name, cmd, filename = str(q["name"]), str(q["cmd"]), str(q["filename"])
    where = f"{source_of(ctx, filename)}: query {name}"
    if cmd not in SUPPORTED_CMDS:
        fail(where, f"command {cmd} is not supported; use one of {' '.join(SUPPORTED_CMDS)}")
    doc, forced = parse_comments(where, cast("list[str]", q.get("comments") or []))
    params: list[Field] = []
    seen: dict[str, int] = {}
    raw_params = cast("list[Json]", q.get("params") or [])
    for p in sorted(raw_params, key=lambda p: int(p["number"])):
        col, number = cast("Json", p["column"]), int(p["number"])
        pwhere = f"{where}: parameter ${number}"
        raw = str(col.get("name") or "")
        if not raw:
            fail(pwhere, "has no name; name it, e.g. `@my_name::text`")
        pname = identifier(pwhere, raw, "parameter name", ("conn", "rows"))
        if pname in seen:
            fail(
                pwhere,
                f"name `{raw}` is also used by ${seen[pname]}; use distinct @named params "
                f"(e.g. `@{raw}_a`, `@{raw}_b`) instead of positional $n",
            )
        seen[pname] = number
        ptype = python_type(ctx, pwhere, col, param=True, nullable=not col.get("not_null"))
        column = str(col.get("original_name") or raw)
        params.append(Field(pname, ptype, column))
    columns: list[Field] = []
    text = str(q["text"])
    if cmd in (":one", ":many"):
        names: set[str] = set()
        for col in cast("list[Json]", q.get("columns") or []):
            raw = str(col.get("name") or "")
            cwhere = f"{where}: column {raw or '?'}"
            if col.get("embed_table"):
                fail(cwhere, "sqlc.embed() is not supported; list the columns explicitly")
            cname = identifier(cwhere, raw, "column")
            if cname in names:
                fail(cwhere, f"column name `{raw}` appears twice; give one an alias")
            names.add(cname)
            nullable = result_nullable(col, text, set(forced))
            if norm_type(cast("Json", col.get("type") or {})) == "void":
                fail(cwhere, "returns void; annotate the query `:exec`")
            columns.append(
                Field(cname, python_type(ctx, cwhere, col, param=False, nullable=nullable))
            )
        if not columns:
            fail(where, f"{cmd} query returns no columns; use :exec or :execrows")
        unknown = sorted(set(forced) - {c.name for c in columns} - names)
        if unknown:
            fail(where, f"`-- @nullable {', '.join(unknown)}`: no such result column")
    elif forced:
        fail(where, f"`-- @nullable` is only meaningful on :one/:many queries, not {cmd}")
    if cmd == ":copyfrom":
        table = cast("Json", q.get("insert_into_table") or {})
        if not table.get("name") or not params:
            fail(where, ":copyfrom needs `INSERT INTO t (cols...) VALUES ($1, ...)`")
    sql = "\n".join(line.rstrip() for line in text.strip("\n").split("\n")).strip()
    return Query(
        name=name,
        cmd=cmd,
        func=identifier(where, snake(name), "query name"),
        const=snake(name).upper(),
        doc=doc,
        sql=sql,
        params=params,
        columns=columns,
        table=cast("Json", q.get("insert_into_table") or {}),
    )


# ---------------------------------------------------------------------------------------------
# Rendering. Every construct is emitted the way `ruff format` would print it: calls either fit
# on one line or are exploded with a magic trailing comma, which ruff then keeps.


def header(ctx: Context, source: str) -> str:
    src = f" from {source}" if source else ""
    return noqa_long(f"# Code generated by sqlc {ctx.version} with {ctx.cmd}{src}. DO NOT EDIT.")


def call(indent: int, head: str, args: Sequence[str], tail: str, *, explode: bool = False) -> str:
    """``head(arg, ...)tail`` on one line when it fits, else one argument per line."""
    pad = " " * indent
    one = f"{pad}{head}({', '.join(args)}){tail}"
    if args and (explode or width(one) > LINE_MAX):
        inner = "".join(f"{pad}    {a},\n" for a in args)
        return f"{pad}{head}(\n{inner}{pad}){tail}"
    return one


def from_import(module: str, names: Iterable[str]) -> str:
    ordered = sorted(set(names), key=lambda n: (n.lower(), n))
    one = f"from {module} import {', '.join(ordered)}"
    if width(one) <= LINE_MAX:
        return one
    return f"from {module} import (\n" + "".join(f"    {n},\n" for n in ordered) + ")"


def natural(name: str) -> tuple[int, list[tuple[int, str]]]:
    """RUF022's order: SCREAMING_CASE, then CamelCase, then the rest; numbers compare as such."""
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    parts = [(int(p), "") if p.isdigit() else (0, p) for p in re.split(r"(\d+)", name) if p]
    return kind, parts


def dunder_all(names: Iterable[str]) -> str:
    items = [f'"{n}"' for n in sorted(names, key=natural)]
    if len(items) < 2:
        return f"__all__ = ({items[0]},)" if items else "__all__ = ()"
    return "__all__ = (\n" + "".join(f"    {i},\n" for i in items) + ")"


def import_block(ctx: Context, imports: set[str]) -> str:
    types_names = {i[2:] for i in imports if i.startswith("T:")}
    enums = {i[2:] for i in imports if i.startswith("E:")}
    stdlib = [f"import {m}" for m in sorted(imports & {"datetime", "decimal", "uuid"})]
    if "Sequence" in imports:
        stdlib.append("from collections.abc import Sequence")
    third = [f"import {m}" for m in sorted(imports & {"asyncpg", "msgspec"})]
    first = [f"from {ctx.package} import _types"]
    if types_names:
        first.append(from_import(f"{ctx.package}._types", types_names))
    if enums:
        first.append(from_import(f"{ctx.package}.enums", enums))
    sections = (stdlib, third, first)
    return "\n\n".join(
        ["from __future__ import annotations", *("\n".join(s) for s in sections if s)]
    )


def docstring(indent: int, lines: Sequence[str]) -> str:
    pad = " " * indent
    body = [py_string(line.expandtabs(4).rstrip()) for line in lines]
    first, rest = body[0], body[1:]
    if not rest:
        text = f'{pad}"""{first}"""'
        if first.endswith('"'):
            text = f'{pad}"""{first} """'
        return noqa_long(text)
    out = [f'{pad}"""{first}'] + [f"{pad}{line}" if line else "" for line in rest] + [f'{pad}"""']
    return noqa_long("\n".join(out))


def dedent(text: str) -> list[str]:
    lines = text.expandtabs(4).split("\n")
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return [line[cut:].rstrip() for line in lines]


def func_doc(q: Query) -> str:
    lines = list(q.doc) if q.doc else [f"Run ``{q.name}`` ({q.cmd})."]
    lines += ["", "SQL::", ""] + [f"    {line}" if line else "" for line in dedent(q.sql)]
    return docstring(4, lines)


def struct(name: str, doc: str, fields: Sequence[Field]) -> str:
    head = call(0, f"class {name}", ["msgspec.Struct", "frozen=True", "kw_only=True"], ":")
    body = "\n".join(f"    {f.name}: {f.type.text}" for f in fields)
    return f"{head}\n{docstring(4, [doc])}\n\n{body}"


def row_expr(indent: int, cls: str, columns: Sequence[Field], var: str) -> str:
    args = [f"{c.name}={c.type.convert(f'{var}[{i}]')}" for i, c in enumerate(columns)]
    return call(indent, cls, args, "", explode=True).lstrip()


def render_query(q: Query) -> tuple[list[str], list[str]]:
    """Return the top-level chunks (SQL constant, Struct, function) and exported names."""
    exported = [q.const, q.func]
    sql = py_string("\n".join(dedent(q.sql)))
    chunks = [noqa_long(f'{q.const} = """\n{sql}\n"""')]
    row = f"{q.name}Row"
    params = q.params
    if q.cmd == ":copyfrom":
        row = f"{q.name}Params"
        chunks.append(struct(row, f"One row for :func:`{q.func}`.", q.params))
        exported.append(row)
        params = [Field("rows", PyType(f"Sequence[{row}]", frozenset(("Sequence",))))]
    elif len(q.columns) > 1:
        chunks.append(struct(row, f"Result row of :func:`{q.func}`.", q.columns))
        exported.append(row)
    single = q.columns[0].type if len(q.columns) == 1 else None
    ret = {
        ":one": f"{row} | None",
        ":many": f"list[{row}]",
        ":exec": "None",
        ":execrows": "int",
        ":copyfrom": "int",
    }[q.cmd]
    if single is not None:
        opt = PyType(single.text, single.imports, single.enum, single.dims, nullable=True)
        has_none = single.nullable or single.text in NONE_INCLUDED
        ret = f"list[{single.text}]" if q.cmd == ":many" else single.text
        if q.cmd == ":one" and not has_none:
            ret += " | None"
    else:
        opt = None
    sig_args = ["conn: ConnectionLike"]
    if params:
        sig_args += ["*", *(f"{p.name}: {p.type.text}" for p in params)]
    sig = call(0, f"async def {q.func}", sig_args, f" -> {ret}:", explode=bool(params))
    args = ["conn", q.const, *(p.name for p in q.params)]
    body: list[str] = []
    if q.cmd == ":one" and opt is not None:
        body.append(call(4, "v = await _types.fetchval", args, ""))
        body.append(f"    return {opt.convert('v')}")
    elif q.cmd == ":one":
        body.append(call(4, "r = await _types.fetchrow", args, ""))
        body.append("    if r is None:\n        return None")
        body.append(f"    return {row_expr(4, row, q.columns, 'r')}")
    elif q.cmd == ":many":
        body.append(call(4, "rows = await _types.fetch", args, ""))
        if single is not None:
            body.append(f"    return [{single.convert('r[0]')} for r in rows]")
        else:
            expr = row_expr(8, row, q.columns, "r")
            body.append(f"    return [\n        {expr}\n        for r in rows\n    ]")
    elif q.cmd == ":exec":
        body.append(call(4, "await _types.execute", args, ""))
    elif q.cmd == ":execrows":
        body.append(call(4, "return await _types.execrows", args, ""))
    else:
        body.append(render_copy(q))
    chunks.append(f"{sig}\n{func_doc(q)}\n" + "\n".join(body))
    return chunks, exported


def render_copy(q: Query) -> str:
    table = q.table
    fields = [f"p.{p.name}" for p in q.params]
    if len(fields) == 1:
        records = f"records=[({fields[0]},) for p in rows]"
    else:
        tup = "".join(f"                {f},\n" for f in fields)
        records = (
            f"records=[\n            (\n{tup}            )\n            for p in rows\n        ]"
        )
    columns = "".join(f'            "{p.column}",\n' for p in q.params)
    args = ["conn", f'"{table["name"]}"']
    schema = str(table.get("schema") or "")
    if schema and schema != "public":
        args.append(f'schema="{schema}"')
    args += [f"columns=[\n{columns}        ]", records]
    return call(4, "return await _types.copy_records", args, "", explode=True)


def render_module(ctx: Context, source: str, queries: Sequence[Query]) -> str:
    tokens: set[str] = {"T:ConnectionLike"}
    if any(len(q.columns) > 1 or q.cmd == ":copyfrom" for q in queries):
        tokens.add("msgspec")
    chunks: list[str] = []
    exported: list[str] = []
    for q in queries:
        if q.cmd == ":copyfrom":
            tokens.add("Sequence")
        for f in (*q.params, *q.columns):
            tokens |= f.type.imports
        q_chunks, names = render_query(q)
        chunks += q_chunks
        exported += names
    parts = [
        header(ctx, source),
        docstring(0, [f"Queries of ``{source}``."]),
        "",
        import_block(ctx, tokens),
        "",
        dunder_all(exported),
    ]
    return "\n".join(parts) + "\n" + "".join(f"\n\n{c}\n" for c in chunks)


TYPES_MODULE = r'''
"""Shared types and call helpers of the generated query modules.

asyncpg's connection methods are unannotated, so pyright strict sees their results as
unknown; the helpers below state the result types once, for every generated query.
"""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeAlias, TypeVar, cast

import msgspec
from asyncpg import Connection, Record
from asyncpg.pool import PoolConnectionProxy

__all__ = (
    "Cidr",
    "ConnectionLike",
    "Inet",
    "JsonInput",
    "JsonValue",
    "Record",
    "copy_records",
    "enum_list",
    "enum_list_or_none",
    "enum_or_none",
    "execrows",
    "execute",
    "fetch",
    "fetchrow",
    "fetchval",
    "rowcount",
)

ConnectionLike: TypeAlias = Connection | PoolConnectionProxy
"""A connection, or the proxy that ``pool.acquire()`` yields."""

JsonValue: TypeAlias = "dict[str, JsonValue] | list[JsonValue] | str | int | float | bool | None"
"""A json/jsonb value as the pool's msgspec codec decodes it (JSON null is ``None``)."""

JsonInput: TypeAlias = (
    Mapping[str, object]
    | Sequence[object]
    | str
    | int
    | float
    | bool
    | msgspec.Struct
    | msgspec.Raw
)
"""What a json/jsonb parameter accepts: anything the pool's msgspec codec can encode."""

Inet: TypeAlias = (
    ipaddress.IPv4Interface
    | ipaddress.IPv6Interface
    | ipaddress.IPv4Address
    | ipaddress.IPv6Address
)
"""An ``inet`` value: asyncpg decodes a host address without prefix as ``IPv*Address``."""

Cidr: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network
"""A ``cidr`` value."""

E = TypeVar("E", bound=enum.StrEnum)


async def fetch(conn: ConnectionLike, query: str, *args: object) -> list[Record]:
    """All rows of ``query``."""
    return cast("list[Record]", await conn.fetch(query, *args))


async def fetchrow(conn: ConnectionLike, query: str, *args: object) -> Record | None:
    """The first row of ``query``, or ``None`` when it returns no row."""
    return cast("Record | None", await conn.fetchrow(query, *args))


async def fetchval(conn: ConnectionLike, query: str, *args: object) -> Any:
    """The first column of the first row, or ``None`` when there is no row."""
    return cast("Any", await conn.fetchval(query, *args))


async def execute(conn: ConnectionLike, query: str, *args: object) -> str:
    """Run ``query`` and return its status tag (``"UPDATE 3"``)."""
    return cast("str", await conn.execute(query, *args))


async def execrows(conn: ConnectionLike, query: str, *args: object) -> int:
    """Run ``query`` and return the number of rows it affected."""
    return rowcount(await execute(conn, query, *args))


async def copy_records(
    conn: ConnectionLike,
    table: str,
    *,
    schema: str | None = None,
    columns: Sequence[str],
    records: Iterable[tuple[object, ...]],
) -> int:
    """``COPY table (columns) FROM STDIN`` (binary) and return the number of rows copied."""
    status = cast(
        "str",
        await conn.copy_records_to_table(
            table, records=records, columns=columns, schema_name=schema
        ),
    )
    return rowcount(status)


def rowcount(status: str) -> int:
    """The trailing integer of a command status tag (``"DELETE 3"`` is 3), else 0."""
    tail = status.rpartition(" ")[2]
    return int(tail) if tail.isdigit() else 0


def enum_or_none(cls: type[E], value: object) -> E | None:
    """``cls(value)``, keeping ``None``."""
    return None if value is None else cls(cast("str", value))


def enum_list(cls: type[E], values: Iterable[str]) -> list[E]:
    """Each element of an enum array as ``cls``."""
    return [cls(v) for v in values]


def enum_list_or_none(cls: type[E], values: object) -> list[E] | None:
    """``enum_list``, keeping ``None``."""
    return None if values is None else [cls(v) for v in cast("Iterable[str]", values)]
'''


def render_types(ctx: Context) -> str:
    return header(ctx, "") + TYPES_MODULE


def member_name(value: str) -> str:
    name = re.sub(r"\W+", "_", snake(value)).strip("_").upper()
    return f"V_{name}" if not name or name[0].isdigit() else name


def render_enums(ctx: Context) -> str:
    classes: list[str] = []
    for sql, (cls, values, comment) in sorted(ctx.enums.items(), key=lambda e: e[1][0]):
        where = f"enum {sql}"
        members: dict[str, str] = {}
        for value in values:
            name = member_name(value)
            if name in members:
                fail(where, f"values {members[name]!r} and {value!r} both map to {name}")
            members[name] = value
        doc = comment.strip().split("\n") if comment.strip() else [f"PostgreSQL enum ``{sql}``."]
        lines = [f"class {cls}(enum.StrEnum):", docstring(4, doc), ""]
        lines += [f'    {k} = "{py_string(v)}"' for k, v in members.items()]
        classes.append("\n".join(lines))
    imports = "from __future__ import annotations" + ("\n\nimport enum" if classes else "")
    parts = [
        header(ctx, ctx.schema_source),
        docstring(0, ["PostgreSQL enums of the schema, as ``enum.StrEnum`` classes."]),
        "",
        imports,
        "",
        dunder_all(c for c, _, _ in ctx.enums.values()),
    ]
    return "\n".join(parts) + "\n" + "".join(f"\n\n{c}\n" for c in classes)


def render_init(ctx: Context, modules: Sequence[str]) -> str:
    names = sorted({*modules, "enums"})
    parts = [
        header(ctx, ctx.source_dir),
        docstring(0, [f"Typed asyncpg queries: one module per file of ``{ctx.source_dir}``."]),
        "",
        "from __future__ import annotations",
        "",
        from_import(ctx.package, names),
        "",
        dunder_all(names),
    ]
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------------------------------------
# Driver.

SYSTEM_SCHEMAS = frozenset(("pg_catalog", "information_schema", "pg_temp"))


def load_context(req: Json) -> Context:
    try:
        options = json.loads(base64.b64decode(str(req.get("plugin_options") or "")) or b"{}")
    except ValueError as exc:
        fail("sqlc.yaml", f"plugin options are not JSON: {exc}")
    package = str(cast("Json", options).get("package") or "")
    if not all(part.isidentifier() for part in package.split(".")):
        fail("sqlc.yaml", "set `options: {package: dotted.module.path}` for the plugin")
    settings = cast("Json", req.get("settings") or {})
    codegen = cast("Json", settings.get("codegen") or {})
    cmd = str(cast("Json", codegen.get("process") or {}).get("cmd") or "codegen.py")
    cmd = posixpath.normpath(cmd.replace("\\", "/"))
    base = posixpath.dirname(cmd)

    def shown(paths: object) -> str:
        items = [str(p) for p in cast("list[object]", paths or [])]
        return ", ".join(posixpath.normpath(posixpath.join(base, p)) for p in items)

    enums: dict[str, tuple[str, list[str], str]] = {}
    catalog = cast("Json", req.get("catalog") or {})
    default = str(catalog.get("default_schema") or "public")
    for schema in cast("list[Json]", catalog.get("schemas") or []):
        sname = str(schema.get("name") or "")
        if sname in SYSTEM_SCHEMAS:
            continue
        for e in cast("list[Json]", schema.get("enums") or []):
            key = str(e["name"]).lower()
            if sname not in ("", default):
                key = f"{sname.lower()}.{key}"
            cls = pascal(str(e["name"]))
            if not cls.isidentifier() or any(c == cls for c, _, _ in enums.values()):
                fail(f"enum {key}", f"class name {cls!r} is not usable or not unique")
            values = [str(v) for v in cast("list[object]", e.get("vals") or [])]
            enums[key] = (cls, values, str(e.get("comment") or ""))
    return Context(
        package=package,
        enums=enums,
        version=str(req.get("sqlc_version") or "unknown"),
        source_dir=shown(settings.get("queries")),
        schema_source=shown(settings.get("schema")),
        cmd=cmd,
    )


def generate(req: Json) -> dict[str, str]:
    """Map output file names to their contents for one sqlc request."""
    ctx = load_context(req)
    by_file: dict[str, list[Query]] = {}
    for q in cast("list[Json]", req.get("queries") or []):
        by_file.setdefault(str(q["filename"]), []).append(build_query(ctx, q))
    files = {"_types.py": render_types(ctx), "enums.py": render_enums(ctx)}
    for filename, queries in sorted(by_file.items()):
        stem = filename.removesuffix(".sql")
        if not stem.isidentifier() or keyword.iskeyword(stem) or stem in ("enums", "_types"):
            fail(filename, "query file names must be Python module names, e.g. `agents.sql`")
        files[f"{stem}.py"] = render_module(ctx, source_of(ctx, filename), queries)
    files["__init__.py"] = render_init(ctx, [n.removesuffix(".py") for n in files if n[0] != "_"])
    return files


def source_of(ctx: Context, filename: str) -> str:
    if ctx.source_dir and "," not in ctx.source_dir and not ctx.source_dir.endswith(".sql"):
        return posixpath.join(ctx.source_dir, filename)
    return filename


def main(argv: Sequence[str]) -> int:
    """Read the request (stdin, or a file named on the command line), print the response."""
    path = argv[1] if len(argv) > 1 and not argv[1].startswith("/plugin.") else ""
    try:
        if path:
            with open(path, encoding="utf-8") as fh:
                req = cast("Json", json.load(fh))
        else:
            req = cast("Json", json.load(sys.stdin))
        files = generate(req)
    except GenError as exc:
        print(exc, file=sys.stderr)
        return 2
    encoded = [
        {"name": name, "contents": base64.b64encode(text.encode()).decode()}
        for name, text in sorted(files.items())
    ]
    json.dump({"files": encoded}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
