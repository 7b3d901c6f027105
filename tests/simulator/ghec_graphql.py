"""GHEC GraphQL, POST /graphql: a small real parser and executor for the query subset
the collection uses (docs/interfaces.md §4): enterprise(slug){ slug name viewerIsAdmin
ownerInfo{ enterpriseServerInstallations(first, after, last, before, connectedOnly){
nodes|edges{ ... userAccountsUploads(first, ...){ ... } } pageInfo totalCount } } },
plus viewer and rateLimit. Arguments may be literals or $variables. No mutations,
no fragments. Errors follow GitHub's shapes: validation errors answer without "data";
resolution errors null the field and add {"type", "path", "locations", "message"}.
"""
import base64
import json
import re

from .clock import iso

MAX_PAGE = 100


class GraphQLError(Exception):
    def __init__(self, message, line=None, column=None, **extra):
        super().__init__(message)
        self.entry = {"message": message}
        if line is not None:
            self.entry["locations"] = [{"line": line, "column": column}]
        self.entry.update(extra)


# -- lexer and parser ---------------------------------------------------------------
_TOKEN = re.compile(r"""
    (?P<skip>[\s,\ufeff]+|\#[^\n]*)
  | (?P<spread>\.\.\.)
  | (?P<punct>[!$():=@\[\]{}|&])
  | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
  | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
""", re.X)


def _tokens(text):
    tokens, pos, line, line_start = [], 0, 1, 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise GraphQLError('Parse error on "%s" at [%d, %d]' % (text[pos], line, pos - line_start + 1),
                               line, pos - line_start + 1)
        kind, value = match.lastgroup, match.group()
        if kind != "skip":
            tokens.append((kind, value, line, pos - line_start + 1))
        newlines = value.count("\n")
        if newlines:
            line += newlines
            line_start = match.start() + value.rfind("\n") + 1
        pos = match.end()
    tokens.append(("eof", "", line, pos - line_start + 1))
    return tokens


class Field:
    __slots__ = ("alias", "name", "args", "selections", "line", "column")

    def __init__(self, alias, name, args, selections, line, column):
        self.alias, self.name, self.args, self.selections = alias, name, args, selections
        self.line, self.column = line, column

    @property
    def key(self):
        return self.alias or self.name


class Parser:
    def __init__(self, text):
        self.tokens = _tokens(text)
        self.index = 0

    def peek(self, value=None):
        kind, text, _line, _col = self.tokens[self.index]
        return text == value and kind in ("punct", "name", "spread") if value is not None else (kind, text)

    def error(self, expected=None):
        kind, text, line, col = self.tokens[self.index]
        shown = "end of file" if kind == "eof" else '"%s"' % text
        message = "Parse error on %s (%s) at [%d, %d]" % (shown, kind.upper(), line, col)
        if expected:
            message += ", expected %s" % expected
        return GraphQLError(message, line, col)

    def take(self, value=None, kind=None):
        token = self.tokens[self.index]
        if (value is not None and (token[1] != value or token[0] not in ("punct", "name", "spread"))) \
                or (kind is not None and token[0] != kind):
            raise self.error(value or kind)
        self.index += 1
        return token

    def document(self):
        operations = []
        while self.peek()[0] != "eof":
            operations.append(self.operation())
        if not operations:
            raise self.error("an operation")
        return operations

    def operation(self):
        if self.peek("{"):
            return {"type": "query", "name": None, "variables": {}, "selections": self.selection_set()}
        kind, word = self.peek()
        if kind != "name" or word not in ("query", "mutation", "subscription"):
            if kind == "name" and word == "fragment":
                raise GraphQLError("Fragments are not supported by this simulator", *self.tokens[self.index][2:])
            raise self.error("query")
        self.index += 1
        name = self.take(kind="name")[1] if self.peek()[0] == "name" else None
        variables = self.variable_definitions() if self.peek("(") else {}
        return {"type": word, "name": name, "variables": variables, "selections": self.selection_set()}

    def variable_definitions(self):
        self.take("(")
        definitions = {}
        while not self.peek(")"):
            self.take("$")
            name = self.take(kind="name")[1]
            self.take(":")
            type_name = self.type_ref()
            default = None
            if self.peek("="):
                self.take("=")
                default = self.value(const=True)
            definitions[name] = (type_name, default)
        self.take(")")
        return definitions

    def type_ref(self):
        if self.peek("["):
            self.take("[")
            inner = self.type_ref()
            self.take("]")
            text = "[%s]" % inner
        else:
            text = self.take(kind="name")[1]
        if self.peek("!"):
            self.take("!")
            text += "!"
        return text

    def selection_set(self):
        self.take("{")
        selections = []
        while not self.peek("}"):
            if self.peek()[0] == "spread":
                raise GraphQLError("Fragments are not supported by this simulator", *self.tokens[self.index][2:])
            selections.append(self.field())
        self.take("}")
        if not selections:
            raise self.error("a field")
        return selections

    def field(self):
        _kind, name, line, col = self.take(kind="name")
        alias = None
        if self.peek(":"):
            self.take(":")
            alias, name = name, self.take(kind="name")[1]
        args = {}
        if self.peek("("):
            self.take("(")
            while not self.peek(")"):
                arg = self.take(kind="name")[1]
                self.take(":")
                args[arg] = self.value()
            self.take(")")
        if self.peek("@"):
            raise GraphQLError("Directives are not supported by this simulator", line, col)
        selections = self.selection_set() if self.peek("{") else None
        return Field(alias, name, args, selections, line, col)

    def value(self, const=False):
        kind, text, _line, _col = self.tokens[self.index]
        if kind == "punct" and text == "$" and not const:
            self.index += 1
            return ("var", self.take(kind="name")[1])
        if kind == "number":
            self.index += 1
            return ("lit", float(text) if any(c in text for c in ".eE") else int(text))
        if kind == "string":
            self.index += 1
            return ("lit", json.loads(text))
        if kind == "name":
            self.index += 1
            return ("lit", {"true": True, "false": False, "null": None}.get(text, text))
        if kind == "punct" and text == "[":
            self.index += 1
            items = []
            while not self.peek("]"):
                items.append(self.value(const))
            self.take("]")
            return ("list", items)
        if kind == "punct" and text == "{":
            self.index += 1
            fields = {}
            while not self.peek("}"):
                name = self.take(kind="name")[1]
                self.take(":")
                fields[name] = self.value(const)
            self.take("}")
            return ("object", fields)
        raise self.error("a value")


# -- schema --------------------------------------------------------------------------
def _cursor(index):
    return base64.b64encode(b"cursor:v2:%d" % index).decode("ascii")


def _cursor_index(cursor, field):
    try:
        text = base64.b64decode(cursor).decode("ascii")
        if text.startswith("cursor:v2:"):
            return int(text[len("cursor:v2:"):])
    except (ValueError, TypeError, UnicodeDecodeError):
        pass
    raise GraphQLError("`%s` does not appear to be a valid cursor." % cursor, type="INVALID_CURSOR_ARGUMENTS")


def paginate(items, args, connection):
    """A GitHub-style connection over a list: {nodes, edges, pageInfo, totalCount}."""
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise GraphQLError("You must provide a `first` or `last` value to properly paginate the `%s` connection."
                           % connection, type="MISSING_PAGINATION_BOUNDARIES")
    for name, value in (("first", first), ("last", last)):
        if value is not None and (not isinstance(value, int) or value < 0):
            raise GraphQLError("`%s` on the `%s` connection cannot be less than zero." % (name, connection))
        if value is not None and value > MAX_PAGE:
            raise GraphQLError("Requesting %d records on the `%s` connection exceeds the `%s` limit of %d records."
                               % (value, connection, name, MAX_PAGE), type="EXCESSIVE_PAGINATION")
    start, end = 0, len(items)
    if args.get("after"):
        start = min(end, _cursor_index(args["after"], connection) + 1)
    if args.get("before"):
        end = max(start, min(end, _cursor_index(args["before"], connection)))
    indices = list(range(start, end))
    has_next = has_previous = False
    if first is not None:
        has_next = len(indices) > first
        indices = indices[:first]
    if last is not None:
        has_previous = len(indices) > last
        indices = indices[-last:] if last else []
    edges = [{"cursor": _cursor(i), "node": items[i]} for i in indices]
    return {"nodes": [items[i] for i in indices], "edges": edges, "totalCount": len(items),
            "pageInfo": {"hasNextPage": has_next, "hasPreviousPage": has_previous or start > 0,
                         "startCursor": edges[0]["cursor"] if edges else None,
                         "endCursor": edges[-1]["cursor"] if edges else None}}


def _enterprise(ctx, obj, args):
    ghec = ctx["ghec"]
    if args.get("slug") != ghec.slug:
        raise GraphQLError("Could not resolve to an Enterprise with the slug of '%s'." % args.get("slug"),
                           type="NOT_FOUND")
    return ghec


def _owner_info(ctx, ghec, args):
    if not ctx["token"].owner:
        raise GraphQLError("%s does not have permission to read ownerInfo on this enterprise."
                           % ctx["token"].name, type="FORBIDDEN")
    return ghec


def _installations(ctx, ghec, args):
    items = ghec.installations
    if args.get("connectedOnly"):
        items = [inst for inst in items if inst.is_connected]
    return paginate(items, args, "enterpriseServerInstallations")


def _uploads(ctx, inst, args):
    return paginate(list(reversed(inst.uploads)), args, "userAccountsUploads")   # newest first


def _rate_limit(ctx, obj, args):
    token = ctx["token"]
    return {"limit": token.limit, "cost": 1, "used": token.used["graphql"],
            "remaining": token.limit - token.used["graphql"], "resetAt": iso(token.window["graphql"] + 3600)}


def _attr(name):
    return lambda ctx, obj, args: getattr(obj, name)


def _key(name):
    return lambda ctx, obj, args: obj[name]


def _connection_type(node_type, edge_type):
    return {"nodes": ("[%s]" % node_type, _key("nodes"), ()),
            "edges": ("[%s]" % edge_type, _key("edges"), ()),
            "pageInfo": ("PageInfo", _key("pageInfo"), ()),
            "totalCount": ("Int", _key("totalCount"), ())}


PAGE_ARGS = ("first", "after", "last", "before", "orderBy")
SCALARS = {"String", "Int", "Boolean", "ID", "DateTime", "URI", "EnterpriseServerUserAccountsUploadSyncState"}

# type -> field -> (type, resolver(ctx, obj, args), allowed arguments)
SCHEMA = {
    "Query": {
        "enterprise": ("Enterprise", _enterprise, ("slug",)),
        "viewer": ("User", lambda ctx, obj, args: ctx["token"], ()),
        "rateLimit": ("RateLimit", _rate_limit, ("dryRun",)),
    },
    "User": {"login": ("String", _attr("name"), ())},
    "RateLimit": {name: ("Int" if name != "resetAt" else "DateTime", _key(name), ())
                  for name in ("limit", "cost", "used", "remaining", "resetAt")},
    "Enterprise": {
        "id": ("ID", lambda ctx, e, args: "E_" + base64.b64encode(e.slug.encode()).decode().rstrip("="), ()),
        "slug": ("String", _attr("slug"), ()),
        "name": ("String", _attr("name"), ()),
        "url": ("URI", lambda ctx, e, args: "%s/enterprises/%s" % (ctx["web_url"], e.slug), ()),
        "viewerIsAdmin": ("Boolean", lambda ctx, e, args: ctx["token"].owner, ()),
        "ownerInfo": ("EnterpriseOwnerInfo", _owner_info, ()),
    },
    "EnterpriseOwnerInfo": {
        "enterpriseServerInstallations": ("EnterpriseServerInstallationConnection", _installations,
                                          PAGE_ARGS + ("connectedOnly",)),
    },
    "EnterpriseServerInstallationConnection": _connection_type("EnterpriseServerInstallation",
                                                               "EnterpriseServerInstallationEdge"),
    "EnterpriseServerInstallationEdge": {"cursor": ("String", _key("cursor"), ()),
                                         "node": ("EnterpriseServerInstallation", _key("node"), ())},
    "EnterpriseServerInstallation": {
        "id": ("ID", _attr("id"), ()),
        "hostName": ("String", _attr("host_name"), ()),
        "customerName": ("String", _attr("customer_name"), ()),
        "isConnected": ("Boolean", _attr("is_connected"), ()),
        "createdAt": ("DateTime", lambda ctx, i, args: iso(i.created_at), ()),
        "updatedAt": ("DateTime", lambda ctx, i, args: iso(i.updated_at), ()),
        "userAccountsUploads": ("EnterpriseServerUserAccountsUploadConnection", _uploads, PAGE_ARGS),
    },
    "EnterpriseServerUserAccountsUploadConnection": _connection_type("EnterpriseServerUserAccountsUpload",
                                                                     "EnterpriseServerUserAccountsUploadEdge"),
    "EnterpriseServerUserAccountsUploadEdge": {"cursor": ("String", _key("cursor"), ()),
                                               "node": ("EnterpriseServerUserAccountsUpload", _key("node"), ())},
    "EnterpriseServerUserAccountsUpload": {
        "id": ("ID", _attr("id"), ()),
        "name": ("String", _attr("name"), ()),
        "syncState": ("EnterpriseServerUserAccountsUploadSyncState", _attr("sync_state"), ()),
        "createdAt": ("DateTime", lambda ctx, u, args: iso(u.created_at), ()),
        "updatedAt": ("DateTime", lambda ctx, u, args: iso(u.updated_at), ()),
    },
    "PageInfo": {name: ("Boolean" if name.startswith("has") else "String", _key(name), ())
                 for name in ("hasNextPage", "hasPreviousPage", "startCursor", "endCursor")},
}


def _base(type_name):
    return type_name.strip("[]")


def _validate(type_name, selections, variables, path, errors):
    fields = SCHEMA[type_name]
    for field in selections:
        here = path + [field.key]
        if field.name == "__typename":
            continue
        spec = fields.get(field.name)
        if spec is None:
            errors.append(GraphQLError("Field '%s' doesn't exist on type '%s'" % (field.name, type_name),
                                       field.line, field.column, path=here,
                                       extensions={"code": "undefinedField", "typeName": type_name,
                                                   "fieldName": field.name}).entry)
            continue
        field_type, _resolver, allowed = spec
        for arg, value in field.args.items():
            if arg not in allowed:
                errors.append(GraphQLError("Field '%s' doesn't accept argument '%s'" % (field.name, arg),
                                           field.line, field.column, path=here).entry)
            for var in _variables_in(value):
                if var not in variables:
                    errors.append(GraphQLError("Variable $%s is used by %s but not declared" % (var, field.name),
                                               field.line, field.column, path=here).entry)
        base = _base(field_type)
        if base in SCALARS:
            if field.selections is not None:
                errors.append(GraphQLError("Selections can't be made on scalars (field '%s' returns %s but has "
                                           "selections [%s])" % (field.name, base, ", ".join(
                                               f.key for f in field.selections)),
                                           field.line, field.column, path=here).entry)
        elif field.selections is None:
            errors.append(GraphQLError("Field must have selections (field '%s' returns %s but has no selections.)"
                                       % (field.name, base), field.line, field.column, path=here).entry)
        else:
            _validate(base, field.selections, variables, here, errors)


def _variables_in(value):
    kind, inner = value
    if kind == "var":
        return [inner]
    if kind == "list":
        return [name for item in inner for name in _variables_in(item)]
    if kind == "object":
        return [name for item in inner.values() for name in _variables_in(item)]
    return []


def _resolve_value(value, variables):
    kind, inner = value
    if kind == "var":
        return variables.get(inner)
    if kind == "list":
        return [_resolve_value(item, variables) for item in inner]
    if kind == "object":
        return {name: _resolve_value(item, variables) for name, item in inner.items()}
    return inner


def _execute(ctx, type_name, obj, selections, variables, path, errors):
    result = {}
    for field in selections:
        here = path + [field.key]
        if field.name == "__typename":
            result[field.key] = type_name
            continue
        field_type, resolver, _allowed = SCHEMA[type_name][field.name]
        args = {name: _resolve_value(value, variables) for name, value in field.args.items()}
        try:
            value = resolver(ctx, obj, args)
        except GraphQLError as exc:
            entry = dict(exc.entry)
            entry.update({"path": here, "locations": [{"line": field.line, "column": field.column}]})
            errors.append(entry)
            result[field.key] = None
            continue
        base = _base(field_type)
        if base in SCALARS or value is None:
            result[field.key] = value
        elif field_type.startswith("["):
            result[field.key] = [_execute(ctx, base, item, field.selections, variables, here + [index], errors)
                                 for index, item in enumerate(value)]
        else:
            result[field.key] = _execute(ctx, base, value, field.selections, variables, here, errors)
    return result


def _uses_enterprise(selections):
    return any(field.name == "enterprise" for field in selections)


def execute(ctx, body):
    """Run one GraphQL request body; returns the JSON-able response."""
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return {"errors": [{"message": "A query attribute must be specified and must be a string."}]}
    variables = body.get("variables") or {}
    if not isinstance(variables, dict):
        return {"errors": [{"message": "Variables are invalid JSON."}]}
    try:
        operations = Parser(body["query"]).document()
    except GraphQLError as exc:
        return {"errors": [exc.entry]}
    wanted = body.get("operationName")
    if wanted:
        operations = [op for op in operations if op["name"] == wanted]
        if not operations:
            return {"errors": [{"message": 'No operation named "%s"' % wanted}]}
    elif len(operations) > 1:
        return {"errors": [{"message": "An operation name is required"}]}
    operation = operations[0]
    if operation["type"] != "query":
        root = "Mutation" if operation["type"] == "mutation" else "Subscription"
        return {"errors": [{"message": "Field '%s' doesn't exist on type '%s'" % (field.name, root),
                            "locations": [{"line": field.line, "column": field.column}],
                            "path": [operation["type"], field.key],
                            "extensions": {"code": "undefinedField", "typeName": root, "fieldName": field.name}}
                           for field in operation["selections"]]}
    errors = []
    _validate("Query", operation["selections"], operation["variables"], ["query"], errors)
    if errors:
        return {"errors": errors}
    values = {}
    for name, (type_name, default) in operation["variables"].items():
        if name in variables:
            values[name] = variables[name]
        elif default is not None:
            values[name] = _resolve_value(default, {})
        elif type_name.endswith("!"):
            return {"errors": [{"message": "Variable $%s of type %s was provided invalid value" % (name, type_name),
                                "extensions": {"value": None, "problems": [
                                    {"path": [], "explanation": "Expected value to not be null"}]}}]}
    if _uses_enterprise(operation["selections"]) and not ctx["token"].can_read_enterprise():
        return {"errors": [{"type": "INSUFFICIENT_SCOPES", "locations": [{"line": 1, "column": 1}],
                            "message": "Your token has not been granted the required scopes to execute this query. "
                                       "The 'enterprise' field requires one of the following scopes: "
                                       "['read:enterprise'], but your token has only been granted the: [%s] scopes. "
                                       "Please modify your token's scopes at: https://github.com/settings/tokens."
                                       % ", ".join("'%s'" % s for s in ctx["token"].scopes)}]}
    data = _execute(ctx, "Query", None, operation["selections"], values, [], errors)
    response = {"data": data}
    if errors:
        response["errors"] = errors
    return response
