# audio-umaps: UMAP views of machine-sound anomaly-detection data.
# `snakemake` runs everything for config/config.yaml; `snakemake -n` shows what would run.

from snakemake.utils import min_version

min_version("9.0")


# config/config.yaml (the demo) unless --configfile names other files: those then stand alone
# rather than being merged into the demo's datasets.
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/features.smk"
include: "workflow/rules/embedding.smk"
include: "workflow/rules/plots.smk"


localrules:
    all,


rule all:
    input:
        all_targets(),
    default_target: True
