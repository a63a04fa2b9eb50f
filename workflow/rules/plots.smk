# config key plots.colour_by_system: a system of `predictions` whose scores colour the device
# plots (their input device_scores adds the device's points table), or null. It is kept out of
# the plots' style, so that setting it reruns the device plots alone.
COLOUR_BY_SYSTEM = config["plots"].get("colour_by_system")
PLOT_STYLE = {k: v for k, v in config["plots"].items() if k != "colour_by_system"}
# dataset colours the plots and the explorer both read, and a system of `predictions`
_problems = _config.plot_problems(config, PLAN.systems)
if _problems:
    raise WorkflowError("\n".join(_problems))


# The global, device and folder plots share one path, results/plots/{representation}/
# stack{stack}/{scope}.png: each rule draws the scopes its wildcard_constraints name.


rule plot_global:
    """The dual plot of all devices: normal test windows left, anomalous ones right, every
    device in a colour family with a shade per section, training and external data as shadows;
    in a run without DCASE data, every folder dataset in its own colour."""
    input:
        umap=rules.umap.output.umap,
        status=rules.umap.output.status,
    output:
        report(
            "results/plots/{representation}/stack{stack}/{scope}.png",
            caption="../report/plot_global.rst",
            category="{representation}",
            subcategory="stack {stack}",
            labels={"scope": "global", "plot": "all devices"},
        ),
    log:
        "results/logs/plot_global/{representation}/stack{stack}/{scope}.log",
    benchmark:
        "results/benchmarks/plot_global/{representation}/stack{stack}/{scope}.tsv"
    wildcard_constraints:
        scope=_plan.GLOBAL,
    conda:
        "../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=resource("plot", "mem_mb"),
        runtime=resource("plot", "runtime"),
    params:
        subject="All devices" if PLAN.sections else "All folders",
        windowing=lambda wildcards: PLAN.windowing(wildcards.representation),
        style=PLOT_STYLE,
        colours=PLAN.colours(),
        folder_only=PLAN.folder_only,
    script:
        "../scripts/plot_global.py"


rule plot_device:
    """Training shadows on both panels; normal test windows left, anomalous ones right (coloured
    by a system's scores with config key plots.colour_by_system)."""
    input:
        unpack(device_scores),
        umap=rules.umap.output.umap,
        status=rules.umap.output.status,
    output:
        report(
            "results/plots/{representation}/stack{stack}/{scope}.png",
            caption="../report/plot_device.rst",
            category="{representation}",
            subcategory="stack {stack}",
            labels={"scope": "{scope}", "plot": "device"},
        ),
    log:
        "results/logs/plot_device/{representation}/stack{stack}/{scope}.log",
    benchmark:
        "results/benchmarks/plot_device/{representation}/stack{stack}/{scope}.tsv"
    wildcard_constraints:
        scope=one_of(PLAN.devices),
    conda:
        "../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=resource("plot", "mem_mb"),
        runtime=resource("plot", "runtime"),
    params:
        subject=lambda wildcards: PLAN.device_name(wildcards.scope),
        windowing=lambda wildcards: PLAN.windowing(wildcards.representation),
        device=lambda wildcards: PLAN.device_name(wildcards.scope),
        style=PLOT_STYLE,
        colours=PLAN.colours(),
        system=COLOUR_BY_SYSTEM,
    script:
        "../scripts/plot_device.py"


rule plot_section:
    """One section of one device: test windows coloured per file, the approximate origin. The
    device's manifests and the files its feature jobs left out tell why a section has no window
    (every file left out, or none long enough)."""
    input:
        umap=rules.umap.output.umap,
        status=rules.umap.output.status,
        manifests=device_manifests,
        excluded=device_feature_exclusions,
    output:
        report(
            "results/plots/{representation}/stack{stack}/{scope}_section_{section}.png",
            caption="../report/plot_section.rst",
            category="{representation}",
            subcategory="stack {stack}",
            labels={"scope": "{scope}", "plot": "section {section}"},
        ),
    log:
        "results/logs/plot_section/{representation}/stack{stack}/{scope}_{section}.log",
    benchmark:
        "results/benchmarks/plot_section/{representation}/stack{stack}/{scope}_{section}.tsv"
    wildcard_constraints:
        scope=one_of(PLAN.devices),
    conda:
        "../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=resource("plot", "mem_mb"),
        runtime=resource("plot", "runtime"),
    params:
        subject=lambda wildcards: f"{PLAN.device_name(wildcards.scope)} section {wildcards.section}",
        windowing=lambda wildcards: PLAN.windowing(wildcards.representation),
        device=lambda wildcards: PLAN.device_name(wildcards.scope),
        datasets=lambda wildcards: PLAN.section_datasets(
            wildcards.scope, wildcards.section
        ),
        style=PLOT_STYLE,
    script:
        "../scripts/plot_section.py"


rule plot_folder:
    """A folder dataset's map in a run without DCASE data: a colour per sub-folder."""
    input:
        umap=rules.umap.output.umap,
        status=rules.umap.output.status,
    output:
        report(
            "results/plots/{representation}/stack{stack}/{scope}.png",
            caption="../report/plot_folder.rst",
            category="{representation}",
            subcategory="stack {stack}",
            labels={"scope": "{scope}", "plot": "folder"},
        ),
    log:
        "results/logs/plot_folder/{representation}/stack{stack}/{scope}.log",
    benchmark:
        "results/benchmarks/plot_folder/{representation}/stack{stack}/{scope}.tsv"
    wildcard_constraints:
        scope=one_of(PLAN.folders),
    conda:
        "../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=resource("plot", "mem_mb"),
        runtime=resource("plot", "runtime"),
    params:
        subject=lambda wildcards: wildcards.scope,
        windowing=lambda wildcards: PLAN.windowing(wildcards.representation),
        style=PLOT_STYLE,
    script:
        "../scripts/plot_folder.py"
