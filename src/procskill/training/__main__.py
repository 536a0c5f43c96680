"""``python -m procskill.training`` runs ``procskill train``; multi-GPU: ``accelerate launch -m procskill.training``."""

from procskill.cli._training import train_app

train_app(prog_name="procskill-train")
