from mlp_cifar.job import call, logged, read_documents

# The drawing function is named by the figure's declaration (mlp_cifar.figures), passed as a
# parameter: editing another figure's declaration does not redraw this one.
with logged(snakemake.log[0]):
    call(snakemake.params.draw, read_documents(snakemake.input.docs), snakemake.output[0], **snakemake.params.settings)
