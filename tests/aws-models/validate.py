"""Validates AWS API requests against botocore's published service models.

Reads JSON on stdin: {"requests": [{"id", "service", "operation", "params", "documents"}]},
where each document names a string parameter holding embedded JSON and its grammar
({"path": ["PolicyDocument"], "kind": "iam-identity" | "iam-trust" | "iam-resource" |
"ecr-lifecycle"}). Writes JSON on stdout: botocore's version, one result per request
(errors, number of checks) and totals. Exits 0 whenever it could judge every request (the
caller decides what an error means); non-zero only when it could not run.

Per request:
  1. botocore.validate.ParamValidator on the operation's input shape (required members,
     unknown members, types, minimum lengths/values).
  2. A strict walk of the same shape: unknown members (with a hint for a wrong case),
     required members, types, enums, min/max of numbers, lengths of strings, lists and maps,
     and string patterns as full matches.
  3. Embedded JSON documents: parsed, then checked against the IAM policy grammar (IAM
     publishes no model of it; each Action is looked up in the botocore model of its
     service where one exists) or the ECR lifecycle policy grammar.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import botocore
import botocore.session
import regex
from botocore.validate import ParamValidator

SESSION = botocore.session.get_session()
_models: dict[str, Any] = {}
_patterns: dict[str, Any] = {}


def model(service: str):
    if service not in _models:
        _models[service] = SESSION.get_service_model(service)
    return _models[service]


def compile_pattern(pattern: str):
    """AWS models hold Java regexes; `regex` reads \\p{..} classes, and a UTF-16 surrogate
    pair range is rewritten as the code point range it stands for."""
    if pattern not in _patterns:
        translated = pattern.replace("\\uD800\\uDC00-\\uDBFF\\uDFFF", "\\U00010000-\\U0010FFFF")
        _patterns[pattern] = regex.compile(translated)
    return _patterns[pattern]


class Walk:
    """Strict walk of one value against one botocore shape."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.checks = 0

    def fail(self, path: str, msg: str) -> None:
        self.errors.append(f"{path or '<root>'}: {msg}")

    def check(self, ok: bool, path: str, msg: str) -> bool:
        self.checks += 1
        if not ok:
            self.fail(path, msg)
        return ok

    def value(self, shape, value: Any, path: str) -> None:
        t = shape.type_name
        meta = shape.metadata
        if t == "structure":
            if not self.check(isinstance(value, dict), path, f"expected a structure ({shape.name}), got {type(value).__name__}"):
                return
            members = shape.members
            lower = {m.lower(): m for m in members}
            for key, v in value.items():
                if key in members:
                    self.checks += 1
                    self.value(members[key], v, f"{path}.{key}" if path else key)
                else:
                    hint = f" (did you mean {lower[key.lower()]}?)" if key.lower() in lower else ""
                    self.check(False, path, f"unknown member {key!r} of {shape.name}{hint}")
            for req in shape.required_members:
                self.check(req in value, path, f"missing required member {req!r} of {shape.name}")
        elif t == "list":
            if not self.check(isinstance(value, list), path, f"expected a list ({shape.name}), got {type(value).__name__}"):
                return
            self.bounds(len(value), meta, path, "list length")
            for i, item in enumerate(value):
                self.value(shape.member, item, f"{path}[{i}]")
        elif t == "map":
            if not self.check(isinstance(value, dict), path, f"expected a map ({shape.name}), got {type(value).__name__}"):
                return
            self.bounds(len(value), meta, path, "map size")
            for k, v in value.items():
                self.value(shape.key, k, f"{path}<key {k}>")
                self.value(shape.value, v, f"{path}[{k!r}]")
        elif t == "string":
            if not self.check(isinstance(value, str), path, f"expected a string ({shape.name}), got {type(value).__name__}"):
                return
            if shape.enum:
                self.check(value in shape.enum, path, f"{value!r} is not one of {shape.name} {list(shape.enum)}")
            self.bounds(len(value), meta, path, "string length")
            if "pattern" in meta:
                self.check(
                    compile_pattern(meta["pattern"]).fullmatch(value) is not None,
                    path,
                    f"{value!r} does not match {shape.name} pattern {meta['pattern']!r}",
                )
        elif t in ("integer", "long"):
            if not self.check(isinstance(value, int) and not isinstance(value, bool), path, f"expected an integer ({shape.name}), got {type(value).__name__} {value!r}"):
                return
            self.bounds(value, meta, path, "value")
        elif t in ("float", "double"):
            if not self.check(isinstance(value, (int, float)) and not isinstance(value, bool), path, f"expected a number ({shape.name}), got {type(value).__name__}"):
                return
            self.bounds(value, meta, path, "value")
        elif t == "boolean":
            self.check(isinstance(value, bool), path, f"expected a boolean ({shape.name}), got {type(value).__name__} {value!r}")
        elif t == "blob":
            self.check(isinstance(value, str), path, f"expected a blob ({shape.name}) as a string")
        elif t == "timestamp":
            self.check(isinstance(value, (str, int, float)), path, f"expected a timestamp ({shape.name})")
        else:
            self.check(False, path, f"shape type {t} is not handled by this validator")

    def bounds(self, n: float, meta: dict, path: str, what: str) -> None:
        if "min" in meta:
            self.check(n >= meta["min"], path, f"{what} {n} is below the minimum {meta['min']}")
        if "max" in meta:
            self.check(n <= meta["max"], path, f"{what} {n} is above the maximum {meta['max']}")


# ---- IAM policy grammar (IAM JSON policy element reference; IAM publishes no model of it) ----

IAM_VERSIONS = {"2012-10-17", "2008-10-17"}
STATEMENT_KEYS = {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}
PRINCIPAL_KEYS = {"AWS", "Service", "Federated", "CanonicalUser"}
CONDITION_OPERATORS = {
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
    "StringLike", "StringNotLike", "NumericEquals", "NumericNotEquals", "NumericLessThan",
    "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals", "DateEquals",
    "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
    "DateGreaterThanEquals", "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals",
    "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
}
ACTION_RE = regex.compile(r"[a-z0-9-]+:[A-Za-z0-9*?]+")
ARN_RE = regex.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}|aws)?:.+")
CONDITION_KEY_RE = regex.compile(r"[A-Za-z0-9-]+:[A-Za-z0-9/_.-]+")
# IAM action prefixes whose botocore model has another name.
PREFIX_MODELS = {"elasticfilesystem": "efs", "elasticloadbalancing": "elbv2", "logs": "logs", "es": "opensearch"}
# Documented IAM actions that are not API operations (checked as named, not against a model).
NON_API_ACTIONS = {
    "elasticfilesystem": {"ClientMount", "ClientWrite", "ClientRootAccess"},
    # ECS Exec's Session Manager channels (no botocore model of ssmmessages exists).
    "ssmmessages": {"CreateControlChannel", "CreateDataChannel", "OpenControlChannel", "OpenDataChannel"},
    # A permission only: handing a role to a service (the backup schedule passes the task's roles).
    "iam": {"PassRole"},
    # OpenSearch Service's HTTP methods on a domain's REST API (the domain access policy).
    "es": {"ESHttpDelete", "ESHttpGet", "ESHttpHead", "ESHttpPatch", "ESHttpPost", "ESHttpPut"},
}


class PolicyCheck(Walk):
    def __init__(self, kind: str, unverified: list[str]) -> None:
        super().__init__()
        self.kind = kind
        self.unverified = unverified

    def strings(self, value: Any, path: str) -> list[str]:
        if isinstance(value, str):
            return [value]
        if self.check(isinstance(value, list) and len(value) > 0 and all(isinstance(v, str) for v in value), path, "expected a string or a non-empty list of strings"):
            return value
        return []

    def policy(self, doc: Any, path: str) -> None:
        if not self.check(isinstance(doc, dict), path, "a policy is a JSON object"):
            return
        for key in doc:
            self.check(key in {"Version", "Id", "Statement"}, path, f"unknown policy element {key!r}")
        self.check(doc.get("Version") in IAM_VERSIONS, f"{path}.Version", f"Version {doc.get('Version')!r} is not one of {sorted(IAM_VERSIONS)}")
        statements = doc.get("Statement")
        if isinstance(statements, dict):
            statements = [statements]
        if not self.check(isinstance(statements, list) and len(statements) > 0, f"{path}.Statement", "Statement must be an object or a non-empty list"):
            return
        for i, st in enumerate(statements):
            self.statement(st, f"{path}.Statement[{i}]")

    def statement(self, st: Any, path: str) -> None:
        if not self.check(isinstance(st, dict), path, "a statement is a JSON object"):
            return
        for key in st:
            self.check(key in STATEMENT_KEYS, path, f"unknown statement element {key!r}")
        self.check(st.get("Effect") in ("Allow", "Deny"), f"{path}.Effect", f"Effect {st.get('Effect')!r} is not Allow or Deny")
        self.check(("Action" in st) != ("NotAction" in st), path, "exactly one of Action and NotAction")
        for key in ("Action", "NotAction"):
            if key in st:
                for a in self.strings(st[key], f"{path}.{key}"):
                    self.action(a, f"{path}.{key}")
        has_principal = "Principal" in st or "NotPrincipal" in st
        has_resource = "Resource" in st or "NotResource" in st
        if self.kind == "iam-identity":
            self.check(not has_principal, path, "an identity policy takes no Principal")
            self.check(has_resource, path, "an identity policy statement needs Resource or NotResource")
        elif self.kind == "iam-trust":
            self.check(has_principal, path, "a trust policy statement needs a Principal")
            self.check(not has_resource, path, "a trust policy takes no Resource")
        else:
            self.check(has_principal, path, "a resource policy statement needs a Principal")
        for key in ("Resource", "NotResource"):
            if key in st:
                for r in self.strings(st[key], f"{path}.{key}"):
                    self.check(r == "*" or ARN_RE.fullmatch(r) is not None, f"{path}.{key}", f"{r!r} is not an ARN or *")
        for key in ("Principal", "NotPrincipal"):
            if key in st:
                self.principal(st[key], f"{path}.{key}")
        if "Condition" in st:
            self.condition(st["Condition"], f"{path}.Condition")

    def action(self, action: str, path: str) -> None:
        if action == "*":
            self.checks += 1
            return
        if not self.check(ACTION_RE.fullmatch(action) is not None, path, f"{action!r} is not service:Action"):
            return
        prefix, name = action.split(":", 1)
        if "*" in name or "?" in name:
            self.unverified.append(action)
            return
        if name in NON_API_ACTIONS.get(prefix, set()):
            self.checks += 1
            return
        service = PREFIX_MODELS.get(prefix, prefix)
        if service not in SESSION.get_available_services():
            self.unverified.append(action)
            return
        self.check(name in model(service).operation_names, path, f"{action!r}: {service} has no operation {name}")

    def principal(self, value: Any, path: str) -> None:
        if value == "*":
            self.checks += 1
            return
        if not self.check(isinstance(value, dict) and len(value) > 0, path, "Principal is * or an object"):
            return
        for key, v in value.items():
            if not self.check(key in PRINCIPAL_KEYS, path, f"unknown principal type {key!r}"):
                continue
            for p in self.strings(v, f"{path}.{key}"):
                if key == "Service":
                    self.check(regex.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com", p) is not None, f"{path}.{key}", f"{p!r} is not a service principal")
                elif key == "AWS":
                    self.check(p == "*" or regex.fullmatch(r"\d{12}", p) is not None or ARN_RE.fullmatch(p) is not None, f"{path}.{key}", f"{p!r} is not an account, ARN or *")

    def condition(self, value: Any, path: str) -> None:
        if not self.check(isinstance(value, dict), path, "Condition is an object"):
            return
        for op, block in value.items():
            base = op.split(":", 1)[1] if op.startswith(("ForAllValues:", "ForAnyValue:")) else op
            base = base[: -len("IfExists")] if base.endswith("IfExists") else base
            self.check(base in CONDITION_OPERATORS, path, f"unknown condition operator {op!r}")
            if not self.check(isinstance(block, dict) and len(block) > 0, f"{path}.{op}", "a condition operator takes an object of keys"):
                continue
            for key, v in block.items():
                self.check(CONDITION_KEY_RE.fullmatch(key) is not None, f"{path}.{op}", f"{key!r} is not a condition key")
                vals = v if isinstance(v, list) else [v]
                self.check(len(vals) > 0 and all(isinstance(x, (str, bool, int)) for x in vals), f"{path}.{op}.{key}", "condition values are strings, booleans or numbers")


class LifecycleCheck(Walk):
    """ECR lifecycle policy grammar (ECR user guide, lifecycle policy properties)."""

    def policy(self, doc: Any, path: str) -> None:
        if not self.check(isinstance(doc, dict) and set(doc) == {"rules"}, path, "a lifecycle policy is {\"rules\": [...]}"):
            return
        rules = doc["rules"]
        if not self.check(isinstance(rules, list) and len(rules) > 0, f"{path}.rules", "rules is a non-empty list"):
            return
        priorities = []
        for i, rule in enumerate(rules):
            p = f"{path}.rules[{i}]"
            if not self.check(isinstance(rule, dict), p, "a rule is an object"):
                continue
            for key in rule:
                self.check(key in {"rulePriority", "description", "selection", "action"}, p, f"unknown rule property {key!r}")
            prio = rule.get("rulePriority")
            self.check(isinstance(prio, int) and not isinstance(prio, bool) and prio >= 1, f"{p}.rulePriority", "rulePriority is an integer >= 1")
            priorities.append(prio)
            self.check(rule.get("action") == {"type": "expire"}, f"{p}.action", "action is {\"type\": \"expire\"}")
            sel = rule.get("selection")
            if not self.check(isinstance(sel, dict), f"{p}.selection", "selection is an object"):
                continue
            for key in sel:
                self.check(key in {"tagStatus", "tagPrefixList", "tagPatternList", "countType", "countUnit", "countNumber"}, f"{p}.selection", f"unknown selection property {key!r}")
            self.check(sel.get("tagStatus") in ("tagged", "untagged", "any"), f"{p}.selection.tagStatus", f"tagStatus {sel.get('tagStatus')!r}")
            self.check(sel.get("countType") in ("imageCountMoreThan", "sinceImagePushed"), f"{p}.selection.countType", f"countType {sel.get('countType')!r}")
            if sel.get("countType") == "sinceImagePushed":
                self.check(sel.get("countUnit") == "days", f"{p}.selection.countUnit", "sinceImagePushed needs countUnit days")
            else:
                self.check("countUnit" not in sel, f"{p}.selection.countUnit", "countUnit only with sinceImagePushed")
            n = sel.get("countNumber")
            self.check(isinstance(n, int) and not isinstance(n, bool) and n >= 1, f"{p}.selection.countNumber", "countNumber is an integer >= 1")
            if sel.get("tagStatus") == "tagged":
                self.check("tagPrefixList" in sel or "tagPatternList" in sel, f"{p}.selection", "tagged needs tagPrefixList or tagPatternList")
        self.check(len(set(map(str, priorities))) == len(priorities), f"{path}.rules", "rulePriority values are unique")


def get_path(params: Any, path: list) -> Any:
    for key in path:
        params = params[key]
    return params


def validate(req: dict, unverified: list[str]) -> dict:
    errors: list[str] = []
    checks = 0
    try:
        op = model(req["service"]).operation_model(req["operation"])
    except Exception as exc:  # unknown service or operation is itself a finding
        return {"id": req["id"], "errors": [f"no operation {req['service']}.{req['operation']}: {exc}"], "checks": 1}
    shape = op.input_shape
    report = ParamValidator().validate(req["params"], shape)
    checks += 1
    if report.has_errors():
        errors.extend(f"botocore: {line.strip()}" for line in report.generate_report().splitlines() if line.strip())
    walk = Walk()
    walk.value(shape, req["params"], "")
    checks += walk.checks
    errors.extend(f"strict: {e}" for e in walk.errors)
    for doc in req.get("documents", []):
        label = ".".join(str(p) for p in doc["path"])
        try:
            text = get_path(req["params"], doc["path"])
            parsed = json.loads(text)
        except Exception as exc:
            errors.append(f"document {label}: not JSON: {exc}")
            checks += 1
            continue
        kind = doc["kind"]
        checker = LifecycleCheck() if kind == "ecr-lifecycle" else PolicyCheck(kind, unverified)
        checker.policy(parsed, label)
        checks += checker.checks + 1
        errors.extend(f"document: {e}" for e in checker.errors)
    return {"id": req["id"], "errors": errors, "checks": checks}


def main() -> int:
    payload = json.load(sys.stdin)
    unverified: list[str] = []
    results = [validate(r, unverified) for r in payload["requests"]]
    out = {
        "botocore": botocore.__version__,
        "python": sys.version.split()[0],
        "results": results,
        "checks": sum(r["checks"] for r in results),
        "operations": sorted({f"{r['service']}.{r['operation']}" for r in payload["requests"]}),
        "unverifiedActions": sorted(set(unverified)),
    }
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
