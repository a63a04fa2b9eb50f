rule sample:
    """Choose the windows of one scope at one stack: which file, which frames, what metadata."""
    input:
        stores=lambda wildcards: list(scope_stores(wildcards).values()),
        manifests=scope_manifests,
    output:
        "results/samples/{representation}/stack{stack}/{scope}.tsv",
    params:
        caps=lambda wildcards: config["sampling"][
            "global" if wildcards.scope == GLOBAL else "device"
        ],
        seed=config["sampling"]["seed"],
        stores=scope_stores,
        include_external=lambda wildcards: include_external(wildcards.scope, wildcards.stack),
    log:
        "results/logs/sample/{representation}/stack{stack}/{scope}.log",
    benchmark:
        "results/benchmarks/sample/{representation}/stack{stack}/{scope}.tsv"
    conda:
        "../../envs/umap.yaml"
    threads: 1
    retries: RETRIES
    resources:
        mem_mb=resource("sample", "mem_mb"),
        runtime=resource("sample", "runtime"),
    script:
        "../scripts/sample.py"


rule umap:
    """2-D UMAP of one sample, stored as the sample table plus x and y."""
    input:
        sample="results/samples/{representation}/stack{stack}/{scope}.tsv",
    output:
        "results/umap/{representation}/stack{stack}/{scope}.tsv",
    params:
        umap=config["umap"],
    log:
        "results/logs/umap/{representation}/stack{stack}/{scope}.log",
    benchmark:
        "results/benchmarks/umap/{representation}/stack{stack}/{scope}.tsv"
    conda:
        "../../envs/umap.yaml"
    threads: 1 if config["umap"].get("seed") is not None else 4
    retries: RETRIES
    resources:
        mem_mb=resource("umap", "mem_mb"),
        runtime=resource("umap", "runtime"),
    script:
        "../scripts/embed.py"
