"""Extract from Microsoft's Graph SDK (msgraph-sdk) the models the Graph emulator validates.

The SDK is 390 MB and 16,700 files installed, and pulls aiohttp, httpx, azure-identity and
opentelemetry into Odoo's environment, so it is never installed: its wheel is downloaded
once (`tools/setup.sh` puts it in $CCS_HOME/reference) and its generated model sources are
read from the zip. Each model's ``get_field_deserializers`` says the JSON names of its
properties and how they are read (string, bool, int, enum, object, collection); each enum
class lists its members. The result is `emulator/graph_models.json`, which the emulator
loads; a pure test regenerates it from the wheel and fails when the two differ.

    python tools/graph_models.py [WHEEL] > emulator/graph_models.json
"""

import ast
import glob
import json
import os
import posixpath
import sys
import zipfile

SDK = "msgraph-sdk==1.65.0"
WHEEL_NAME = "msgraph_sdk-1.65.0-py3-none-any.whl"
ROOTS = {
    "event": "msgraph/generated/models/event.py",
    "subscription": "msgraph/generated/models/subscription.py",
    "accept": "msgraph/generated/users/item/events/item/accept/accept_post_request_body.py",
    "decline": "msgraph/generated/users/item/events/item/decline/decline_post_request_body.py",
    "tentativelyAccept": (
        "msgraph/generated/users/item/events/item/tentatively_accept/"
        "tentatively_accept_post_request_body.py"
    ),
    "getSchedule": (
        "msgraph/generated/users/item/calendar/get_schedule/get_schedule_post_request_body.py"
    ),
}
PRIMITIVES = {
    "get_str_value": "String",
    "get_bool_value": "Boolean",
    "get_int_value": "Int32",
    "get_float_value": "Double",
    "get_datetime_value": "DateTimeOffset",
    "get_date_value": "Date",
    "get_time_value": "TimeOfDay",
    "get_timedelta_value": "Duration",
    "get_uuid_value": "Guid",
    "get_bytes_value": "Binary",
}
PRIMITIVE_CLASSES = {"str": "String", "bool": "Boolean", "int": "Int32", "float": "Double"}
MIXINS = {"AdditionalDataHolder", "BackedModel", "Parsable", "str", "Enum"}


def default_wheel():
    home = os.environ.get("CCS_HOME") or os.path.expanduser("~/.cache/calendar_cloud_sync")
    return os.path.join(home, "reference", WHEEL_NAME)


class Extractor:
    def __init__(self, wheel):
        self.zip = zipfile.ZipFile(wheel)
        self.types = {}

    def _module(self, path):
        return ast.parse(self.zip.read(path).decode())

    @staticmethod
    def _imports(tree, path):
        """Class name -> file path, from the module's relative imports."""
        found = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = posixpath.dirname(path)
                for _ in range(node.level - 1):
                    base = posixpath.dirname(base)
                target = posixpath.join(base, *(node.module or "").split(".")) + ".py"
                for alias in node.names:
                    found[alias.name] = target
        return found

    @staticmethod
    def _key(path):
        return path.removeprefix("msgraph/generated/").removesuffix(".py")

    def model(self, path):
        key = self._key(path)
        if key in self.types:
            return key
        tree = self._module(path)
        imports = self._imports(tree, path)
        cls = next(n for n in tree.body if isinstance(n, ast.ClassDef))
        imports[cls.name] = path
        bases = [b.id for b in cls.bases if isinstance(b, ast.Name)]
        if "Enum" in bases:
            members = []
            for node in cls.body:
                if isinstance(node, ast.Assign):
                    value = node.value
                    if isinstance(value, ast.Tuple):
                        value = value.elts[0]
                    members.append(value.value)
            self.types[key] = {"enum": members}
            return key
        self.types[key] = entry = {"properties": {}}
        method = next(
            n
            for n in cls.body
            if isinstance(n, ast.FunctionDef) and n.name == "get_field_deserializers"
        )
        for node in ast.walk(method):
            if isinstance(node, ast.Dict):
                for name, value in zip(node.keys, node.values, strict=True):
                    entry["properties"][name.value] = self._reader(value, imports)
        parents = [b for b in bases if b not in MIXINS]
        if parents:
            parent = self.model(imports[parents[0]])
            entry["properties"] = {
                **self.types[parent]["properties"],
                **entry["properties"],
            }
        entry["properties"] = dict(sorted(entry["properties"].items()))
        return key

    def _reader(self, lam, imports):
        """What ``lambda n: setattr(self, 'x', n.get_..._value(Arg))`` reads."""
        call = lam.body.args[2]
        name = call.func.attr
        arg = call.args[0].id if call.args else None
        if name in PRIMITIVES:
            return PRIMITIVES[name]
        if name == "get_object_value":
            return {"object": self.model(imports[arg])}
        if name == "get_enum_value":
            return {"enum": self.model(imports[arg])}
        if name == "get_collection_of_object_values":
            return {"list": {"object": self.model(imports[arg])}}
        if name == "get_collection_of_enum_values":
            return {"list": {"enum": self.model(imports[arg])}}
        if name == "get_collection_of_primitive_values":
            return {"list": PRIMITIVE_CLASSES.get(arg, "String")}
        raise ValueError(f"unknown reader {name}")

    def extract(self):
        roots = {name: self.model(path) for name, path in ROOTS.items()}
        return {"source": SDK, "roots": roots, "types": dict(sorted(self.types.items()))}


def extract(wheel=None):
    return Extractor(wheel or default_wheel()).extract()


if __name__ == "__main__":
    wheel = sys.argv[1] if len(sys.argv) > 1 else default_wheel()
    if not glob.glob(wheel):
        sys.exit(f"no {wheel}: pip download --no-deps -d $(dirname {wheel}) {SDK}")
    json.dump(extract(wheel), sys.stdout, indent=1)
    sys.stdout.write("\n")
