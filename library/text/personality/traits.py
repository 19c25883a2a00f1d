"""The five traits, in the order every array in ``library.text`` uses."""

TRAITS = ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")
