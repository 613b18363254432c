"""The model: TruceModel (the day loop), its agents and one module per mechanism."""
