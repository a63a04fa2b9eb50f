rule explore:
    """A scope's explorer: a page per representation x stack (Bokeh; hover, click to hear a
    window, linked selection across the scope's maps), the maps' data, the audio clips the
    sampled windows need (the normalised signal at audio.sample_rate, Ogg Opus; FLAC at rates
    Opus does not take) and Bokeh's JavaScript, in one
    self-contained folder that works opened from disk."""
    input:
        umaps=scope_maps,
        statuses=scope_statuses,
        scores=scope_score_tables,
        audio=lambda wildcards: PLAN.scope_audio(wildcards.scope),
    output:
        report(
            directory("results/explore/{scope}"),
            htmlindex="index.html",
            caption="../report/explore.rst",
            category="Explore",
            labels={"scope": "{scope}"},
        ),
    log:
        "results/logs/explore/{scope}.log",
    benchmark:
        "results/benchmarks/explore/{scope}.tsv"
    conda:
        "../envs/explore.yaml"
    threads: explore_threads
    resources:
        mem_mb=resource("explore", "mem_mb"),
        runtime=resource("explore", "runtime"),
    params:
        maps=PLAN.maps(),
        scores=scope_scores,
        representation_params={
            r: representation_params(r) for r in PLAN.representations
        },
        systems=list(PLAN.systems),
        settings=config["explore"],
        audio=config["audio"],
        subject=lambda wildcards: scope_subject(wildcards.scope),
    script:
        "../scripts/explore.py"


rule explore_index:
    """The index of every scope's explorer pages."""
    input:
        scopes=expand(rules.explore.output[0], scope=PLAN.scopes),
    output:
        "results/explore/index.html",
    log:
        "results/logs/explore_index.log",
    benchmark:
        "results/benchmarks/explore_index.tsv"
    conda:
        "../envs/explore.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/explore_index.py"
