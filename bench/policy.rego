# METADATA
# title: The benchmark's Rego policy
# custom:
#   id: BENCH100
package main

import rego.v1

# Eight rules of the shapes an organisation writes: Conftest's document and this tool's facts.

deny_registry contains {"msg": sprintf("%s is not from registry.example.org", [image]), "instruction": i} if {
  some i
  input[i].Cmd == "from"
  image := input[i].Value[0]
  not startswith(image, "registry.example.org/")
  not image in {s.name | some s in data.dockerlint.stages}
}

deny_latest contains {"msg": "an image without a tag or with latest", "instruction": i} if {
  some i
  input[i].Cmd == "from"
  image := input[i].Value[0]
  endswith(image, ":latest")
}

deny_curl_sh contains {"msg": "curl piped into a shell", "instruction": i} if {
  some i
  input[i].Cmd == "run"
  regex.match(`curl[^|]*\|\s*(ba)?sh`, concat(" ", input[i].Value))
}

deny_maintainer contains {"msg": "MAINTAINER is deprecated", "instruction": i} if {
  some i
  input[i].Cmd == "maintainer"
}

warn_add contains {"msg": "ADD of a URL", "instruction": i} if {
  some i
  input[i].Cmd == "add"
  startswith(input[i].Value[0], "http")
}

deny_root contains {"msg": "the final stage runs as root", "line": s.line} if {
  some s in data.dockerlint.stages
  s.final
  s.user in {"root", "0"}
}

warn_runserver contains {"msg": "the image starts runserver", "line": data.dockerlint.start.line} if {
  data.dockerlint.start.server == "runserver"
}

warn_workers contains {"msg": "one Gunicorn worker", "line": w.line} if {
  data.dockerlint.start.server == "gunicorn"
  w := data.dockerlint.gunicorn.workers
  w.known
  w.layer != "default"
  to_number(w.value) < 2
}
