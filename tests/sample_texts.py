"""Texts written for the tests (not taken from any corpus)."""

ESSAY = (
    "Right now I am sitting in my room and thinking about the week ahead. I have two exams and a long paper "
    "due on Friday, and honestly I feel a little anxious about all of it. My roommate is playing music again, "
    "which usually helps me focus, but today it just makes me want to go outside and walk around the lake. "
    "I love being around my friends and I keep planning parties in my head instead of studying. Yesterday we "
    "stayed up late talking about travelling to Europe next summer, and I could not stop imagining the old "
    "cities, the museums, the food and the art. I worry that I am not organised enough, my desk is a mess and "
    "I always forget where I put my notes. Still, I think things will work out. My mother called this morning "
    "and we laughed about my little brother and his new dog. I miss home sometimes, but I am happy here."
)

GLOOMY = (
    "I hate this. Everything is wrong and nobody listens. I am tired, angry and alone, and I do not want to "
    "talk to anyone today. The rain will not stop, the class was boring, the teacher was unfair, and I failed "
    "again. I keep worrying that I will never be good enough and that everyone is laughing at me behind my back. "
    "I cannot sleep, I cannot eat, I just sit here and feel terrible about myself and about the whole stupid world."
)
