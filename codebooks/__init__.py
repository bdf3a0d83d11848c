"""The study files qualkit ships (codebooks, typologies, training sheets), installed as
``qualkit.codebooks`` so that a wheel install finds its default study from any folder. Data only."""
