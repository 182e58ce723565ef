"""Compose's short volume syntax (compose-go ``format.ParseVolume``), read into its long form.

Apart from the rest of normalisation because merging needs it too: compose-go merges volumes by
their target, and the target of a short spec is only known once it is parsed.
"""

from __future__ import annotations

import posixpath

from dockerlint_django.compose.nodes import ComposeError, Node, Scalar


class VolumeError(ComposeError):
    kind = "schema"


def _fail(message: str, node: Node | None) -> VolumeError:
    origin = node.origin if node is not None else None
    if origin is None:
        return VolumeError(message)
    return VolumeError(message, origin.path, origin.line, origin.column)


_PROPAGATIONS = {"rprivate", "private", "rshared", "shared", "rslave", "slave"}


def _is_drive(buffer: list[str], char: str) -> bool:
    return char == ":" and len(buffer) == 1 and buffer[0].isalpha()


def _is_file_path(source: str) -> bool:
    if not source:
        return False
    if source[0] in "./~":
        return True
    if source.startswith("\\\\"):
        return True
    return len(source) > 1 and _is_drive([source[0]], source[1])


def parse_volume(node: Scalar) -> dict[str, object]:
    """The long form of a short volume spec; raises ComposeError with Compose's message."""
    spec = str(node.value)
    volume: dict[str, object] = {}
    if not spec:
        raise _fail("invalid empty volume spec", node)
    if len(spec) <= 2:
        return {"type": "volume", "target": spec, "volume": {}}
    buffer: list[str] = []
    end = "\0"
    depth = 0  # inside ${...}: a colon there is part of the template
    chars = spec + end
    for i, char in enumerate(chars):
        if char == "$" and chars[i + 1 : i + 2] == "{":
            depth += 1
            buffer.append(char)
        elif char == "}" and depth > 0:
            depth -= 1
            buffer.append(char)
        elif (depth > 0 and char != end) or _is_drive(buffer, char):
            buffer.append(char)
        elif char in (":", end):
            text = "".join(buffer)
            if not buffer:
                raise _fail(f"invalid spec: {spec}: empty section between colons", node)
            if "source" not in volume and char == end:
                volume["target"] = text
            elif "source" not in volume:
                volume["source"] = text
            elif "target" not in volume:
                volume["target"] = text
            elif char == ":":
                raise _fail(f"invalid spec: {spec}: too many colons", node)
            else:
                for option in text.split(","):
                    if option == "ro":
                        volume["read_only"] = True
                    elif option == "rw":
                        volume["read_only"] = False
                    elif option == "nocopy":
                        volume["volume"] = {"nocopy": True}
                    elif option in _PROPAGATIONS:
                        bind = volume.setdefault("bind", {})
                        assert isinstance(bind, dict)
                        bind["propagation"] = option
                    elif option in ("z", "Z"):
                        bind = volume.setdefault("bind", {})
                        assert isinstance(bind, dict)
                        bind["selinux"] = option
            buffer = []
        else:
            buffer.append(char)
    source = str(volume.get("source", ""))
    if _is_file_path(source):
        volume["type"] = "bind"
        bind = volume.setdefault("bind", {})
        assert isinstance(bind, dict)
        bind["create_host_path"] = True
    else:
        volume["type"] = "volume"
        volume.setdefault("volume", {})
    target = str(volume.get("target", ""))
    if target:
        volume["target"] = posixpath.normpath(target) if target else ""
        if target.startswith("//") and not target.startswith("///"):
            volume["target"] = "/" + str(volume["target"]).lstrip("/")
    return volume
