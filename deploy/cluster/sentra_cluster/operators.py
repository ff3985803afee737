"""The operators' CRDs, produced from their pinned releases the way each project produces
its own, and never copied from a fetched YAML file:
- Strimzi: its crd-generator (Maven artifact) run over its api model classes;
- CloudNativePG and KEDA: controller-gen run over their Go API types, in a throwaway Go
  module that requires the operator's module at the pinned version.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from sentra_cluster.crds import Crd, load
from sentra_cluster.tools import (
    Built,
    ToolError,
    cluster_cache,
    controller_gen,
    controller_gen_build,
    go_env,
    kustomize_build,
    pinned,
    require,
    run,
)

# The Strimzi kinds Sentra deploys, by their model class in io.strimzi:api.
STRIMZI_KINDS = {
    "Kafka": "io.strimzi.api.kafka.model.kafka.Kafka",
    "KafkaNodePool": "io.strimzi.api.kafka.model.nodepool.KafkaNodePool",
    "KafkaTopic": "io.strimzi.api.kafka.model.topic.KafkaTopic",
    "KafkaUser": "io.strimzi.api.kafka.model.user.KafkaUser",
}

STRIMZI_POM = """<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by sentra-cluster: the classpath of Strimzi's CRD generator and API model. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>id.sentra.cluster</groupId>
  <artifactId>strimzi-crds</artifactId>
  <version>{version}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.strimzi</groupId><artifactId>api</artifactId><version>{version}</version>
    </dependency>
    <dependency>
      <groupId>io.strimzi</groupId><artifactId>crd-generator</artifactId>
      <version>{version}</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>3.8.1</version>
      </plugin>
    </plugins>
  </build>
</project>
"""


def java_major(java: str) -> int:
    try:
        result = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    except OSError:
        return 0
    found = re.search(r'version "(\d+)', result.stderr + result.stdout)
    return int(found.group(1)) if found else 0


def java21() -> str:
    """A Java 21+ runtime: Strimzi's generator is built for it, while the Kafka broker
    runs on the machine's default Java 17, so look beside it too (/usr/lib/jvm)."""
    candidates = [shutil.which("java") or ""]
    candidates += sorted(str(p) for p in Path("/usr/lib/jvm").glob("*/bin/java"))
    for java in candidates:
        if java and java_major(java) >= 21:
            return java
    raise ToolError(
        "Strimzi's CRD generator needs Java 21+, and no java on PATH or under /usr/lib/jvm "
        "is (Debian: apt-get install openjdk-21-jre-headless, where available)"
    )


def build_strimzi(staging: Path) -> None:
    version = pinned("strimzi")["version"]
    require("mvn", "Strimzi's CRDs are generated from Maven artifacts (apt-get install maven)")
    java = java21()
    (staging / "pom.xml").write_text(STRIMZI_POM.format(version=version))
    libs = staging / "libs"
    run(
        [
            *("mvn", "-q", "-B", "-f", str(staging / "pom.xml")),
            *("dependency:copy-dependencies", f"-DoutputDirectory={libs}"),
            "-DincludeScope=runtime",
        ]
    )
    out = staging / "crds"
    out.mkdir()
    # The same arguments Strimzi's own build passes (its api module's pom).
    run(
        [java, "-cp", f"{libs}/*", "io.strimzi.crdgenerator.CrdGenerator"]
        + ["--label", "app:strimzi", "--label", "strimzi.io/crd-install:true"]
        + ["--target-kube", "1.16+", "--crd-api-version", "v1"]
        + ["--api-versions", "v1", "--storage-version", "v1", "--yaml"]
        + [f"{cls}={out / (kind.lower() + '.yaml')}" for kind, cls in STRIMZI_KINDS.items()]
    )
    shutil.rmtree(libs)


def strimzi_build() -> Built:
    version = pinned("strimzi")["version"]
    return Built(
        f"Strimzi {version} CRDs", cluster_cache() / f"crds-strimzi-{version}", build_strimzi
    )


def build_from_go_types(name: str, staging: Path) -> None:
    spec = pinned(name)
    gen = controller_gen()
    package = f"{spec['module']}/{spec['api_package']}"
    module = staging / "module"
    module.mkdir()
    (module / "go.mod").write_text(
        f"module sentra.local/crds\n\ngo 1.26\n\nrequire {spec['module']} {spec['version']}\n"
    )
    (module / "types.go").write_text(f'package crds\n\nimport _ "{package}"\n')
    run(["go", "mod", "tidy"], cwd=module, env=go_env())
    run(
        [str(gen), "crd", f"paths={package}", f"output:crd:dir={staging / 'crds'}"],
        cwd=module,
        env=go_env(),
    )
    shutil.rmtree(module)


def go_types_build(name: str, title: str) -> Built:
    version = pinned(name)["version"]
    return Built(
        f"{title} {version} CRDs",
        cluster_cache() / f"crds-{name}-{version}",
        lambda staging: build_from_go_types(name, staging),
    )


def crd_builds() -> list[Built]:
    return [
        strimzi_build(),
        go_types_build("cloudnative-pg", "CloudNativePG"),
        go_types_build("keda", "KEDA"),
    ]


def every_build() -> list[Built]:
    """What `sentra-cluster tools` installs, in order."""
    return [kustomize_build(), controller_gen_build(), *crd_builds()]


def operator_crds() -> list[Crd]:
    """The CRDs objects are validated against (built first when missing)."""
    crds: list[Crd] = []
    for build in crd_builds():
        folder, _ = build.ensure()
        source = build.name.removesuffix(" CRDs")
        crds += load(sorted((folder / "crds").glob("*.yaml")), source)
    return crds
