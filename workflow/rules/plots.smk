# config key plots.colour_by_system: a system of `predictions` whose scores colour the device
# plots (their input device_scores adds the device's points table), or null. It is kept out of
# the plots' style, so that setting it reruns the device plots alone.
COLOUR_BY_SYSTEM = config["plots"].get("colour_by_system")
PLOT_STYLE = {k: v for k, v in config["plots"].items() if k != "colour_by_system"}
_problem = _config.system_problem(COLOUR_BY_SYSTEM, PLAN.systems)
if _problem:
    raise WorkflowError(_problem)


rule plot_global:
    """The dual plot of all devices: normal test windows left, anomalous ones right, every
    device in a colour family with a shade per section, training and external data as shadows;
    in a run without DCASE data, every folder dataset in its own colour."""
    input:
        umap=paths.EMBEDDING.replace("{scope}", "global"),
        status=paths.EMBEDDING_STATUS.replace("{scope}", "global"),
    output:
        report(
            paths.PLOT_GLOBAL,
            caption="../report/plot_global.rst",
            category="{representation}",
            subcategory="stack {stack}",
            labels={"scope": "global", "plot": "all devices"},
        ),
    log:
        "results/logs/plot_global/{representation}/stack{stack}.log",
    benchmark:
        paths.BENCHMARKS["plot_global"]
    conda:
        "../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=resource("plot", "mem_mb"),
        runtime=resource("plot", "runtime"),
    params:
        subject="All devices" if PLAN.sections else "All folders",
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
        umap=paths.EMBEDDING.replace("{scope}", "{device}"),
        status=paths.EMBEDDING_STATUS.replace("{scope}", "{device}"),
    output:
        report(
            paths.PLOT_DEVICE,
            caption="../report/plot_device.rst",
            category="{representation}",
            subcategory="stack {stack}",
            labels={"scope": "{device}", "plot": "device"},
        ),
    log:
        "results/logs/plot_device/{representation}/stack{stack}/{device}.log",
    benchmark:
        paths.BENCHMARKS["plot_device"]
    conda:
        "../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=resource("plot", "mem_mb"),
        runtime=resource("plot", "runtime"),
    params:
        subject=lambda wildcards: PLAN.device_name(wildcards.device),
        device=lambda wildcards: PLAN.device_name(wildcards.device),
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
        umap=paths.EMBEDDING.replace("{scope}", "{device}"),
        status=paths.EMBEDDING_STATUS.replace("{scope}", "{device}"),
        manifests=lambda wildcards: PLAN.device_manifests(wildcards.device),
        excluded=lambda wildcards: PLAN.device_feature_exclusions(
            wildcards.representation, wildcards.device
        ),
    output:
        report(
            paths.PLOT_SECTION,
            caption="../report/plot_section.rst",
            category="{representation}",
            subcategory="stack {stack}",
            labels={"scope": "{device}", "plot": "section {section}"},
        ),
    log:
        "results/logs/plot_section/{representation}/stack{stack}/{device}_{section}.log",
    benchmark:
        paths.BENCHMARKS["plot_section"]
    conda:
        "../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=resource("plot", "mem_mb"),
        runtime=resource("plot", "runtime"),
    params:
        subject=lambda wildcards: f"{PLAN.device_name(wildcards.device)} section {wildcards.section}",
        device=lambda wildcards: PLAN.device_name(wildcards.device),
        datasets=lambda wildcards: PLAN.section_datasets(
            wildcards.device, wildcards.section
        ),
        style=PLOT_STYLE,
    script:
        "../scripts/plot_section.py"


rule plot_folder:
    """A folder dataset's map in a run without DCASE data: a colour per sub-folder."""
    input:
        umap=paths.EMBEDDING.replace("{scope}", "{folder}"),
        status=paths.EMBEDDING_STATUS.replace("{scope}", "{folder}"),
    output:
        report(
            paths.PLOT_FOLDER,
            caption="../report/plot_folder.rst",
            category="{representation}",
            subcategory="stack {stack}",
            labels={"scope": "{folder}", "plot": "folder"},
        ),
    log:
        "results/logs/plot_folder/{representation}/stack{stack}/{folder}.log",
    benchmark:
        paths.BENCHMARKS["plot_folder"]
    conda:
        "../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=resource("plot", "mem_mb"),
        runtime=resource("plot", "runtime"),
    params:
        subject=lambda wildcards: wildcards.folder,
        style=PLOT_STYLE,
    script:
        "../scripts/plot_folder.py"
