#!/usr/bin/env python3
"""gen_plants.py - a seeded generator of synthetic catalog plants.

    tests/gen_plants.py SEED COUNT [--tsv] > plants.json

prints COUNT plants as a JSON array (one plant a line), or with --tsv as
the seed catalog's TSV (a header row, then 40 tab-separated columns).
Both forms are what `growvrdctl plants import` reads.  The same SEED and
COUNT always give the same bytes; a larger COUNT extends a smaller one
(plant i does not depend on COUNT).

The plants have the shape of ../shared/data/plants.tsv and pass the
catalog's schema (app/store/plants.c), with variety where the API filters
and ranks: names that collide sometimes (the same name under different
ids), some capitalised or non-ASCII names (byte order is not case
order), every light level of the seed catalog and recommend.c, every
location, difficulty 1 to 10, both toxic values, humidity levels, and
searchable_text drawn from a vocabulary plus RARE words that only a few
plants carry (for searches that match a handful of plants).

Used by tests/integration/test_catalog_size.py (imported as a module:
plants(seed, count)) and bench/run.
"""

import json
import random
import sys

LIGHTS = ["low_indirect", "indirect", "bright_indirect", "direct",
          "full sun to partial shade", "low", "partial shade",
          "shade to indirect"]
LOCATIONS = ["office", "bedroom", "shelf", "hanging_planter", "living_room",
             "kitchen", "balcony", "sunny_window", "terrace", "windowsill",
             "bathroom", "desk"]
LEVELS = ["low", "moderate", "high", "medium"]
SIZES = ["small", "medium", "large"]
WATERING = ["top_watering", "bottom_watering", "misting", "soak_and_dry"]
SOILS = ["sandy_loose_mix", "standard_potting_soil", "orchid_bark",
         "peat_free_compost", "cactus_mix"]
FUNCTIONS = ["air_purification", "decoration", "night_oxygen", "culinary",
             "medicinal", "fragrance", "pollinators"]
PROPAGATION = ["division", "leaf_cutting", "stem_cutting", "seed", "offsets",
               "layering"]
PESTS = ["mealybugs", "spider_mites", "aphids", "fungus_gnats", "scale",
         "whitefly", "thrips"]
ADJECTIVES = ["golden", "silver", "dwarf", "giant", "creeping", "climbing",
              "weeping", "variegated", "purple", "red", "blue", "velvet",
              "striped", "spotted", "curly", "trailing", "upright", "false",
              "common", "lesser", "greater", "mountain", "desert", "swamp",
              "royal", "painted", "frosted", "crested", "hairy", "glossy"]
NOUNS = ["fern", "fig", "palm", "ivy", "lily", "orchid", "cactus", "aloe",
         "begonia", "calathea", "peperomia", "philodendron", "pothos",
         "jade", "sage", "thyme", "basil", "mint", "violet", "daisy",
         "succulent", "bromeliad", "hoya", "croton", "dracaena", "yucca",
         "agave", "haworthia", "maranta", "alocasia", "anthurium", "sedum",
         "oxalis", "pilea", "tradescantia", "sansevieria", "zamioculcas",
         "schefflera", "ficus", "cyclamen"]
VARIETIES = ["compacta", "nana", "alba", "aurea", "rubra", "minor", "major",
             "elegans", "robusta", "gracilis", "variegata", "lutea",
             "superba", "prostrata", "hybrida", "glauca"]
ODD_NAMES = ["Zebra_plant", "Éléphant_ear", "über_moss", "Açaí_palm",
             "ZZ_plant", "Ōhia_fern", "árbol_de_jade", "Bird_of_paradise"]
GENERA = ["ficus", "dracaena", "philodendron", "begonia", "peperomia",
          "calathea", "hoya", "aloe", "crassula", "echeveria", "ocimum",
          "mentha", "thymus", "salvia", "epipremnum", "monstera"]
EPITHETS = ["elastica", "lyrata", "benjamina", "repens", "obtusifolia",
            "scandens", "carnosa", "vera", "ovata", "elegans", "spicata",
            "vulgaris", "officinalis", "aureum", "deliciosa", "minima"]
WORDS = ["easy", "care", "bright", "shade", "tolerant", "humid", "dry",
         "trailing", "upright", "leafy", "flowering", "fragrant", "edible",
         "pet", "friendly", "toxic", "fast", "slow", "growing", "compact",
         "hanging", "tabletop", "floor", "statement", "beginner", "expert",
         "classic", "tropical", "desert", "herb", "kitchen", "office",
         "bathroom", "low", "light", "water", "drought", "hardy", "soft",
         "bold", "pattern", "glossy", "velvet", "striped", "variegated"]
# Each rare word is carried by a handful of plants: a search for it
# matches only those.  Plain lowercase letters, in no other text.
RARE = ["quixotrel", "zymbalor", "frondlewick", "glimmerquist",
        "vorpaleaf", "brambleknot", "thistlewhim", "mossguardle"]
RARE_ONE_IN = 900
# A word in no plant at all (and in no field the search reads).
NO_MATCH = "xyzzyplugh"

COLUMNS = ["id", "name", "scientific_name", "natural_sunlight_needs",
           "natural_sunlight_required", "led_light_requirements",
           "recommended_light_wattage", "led_wattage_min", "led_wattage_max",
           "water_frequency_days", "humidity_preference", "difficulty",
           "maintenance", "indoor_compatible", "description",
           "compatible_locations", "size", "temperature_min",
           "temperature_max", "temperature_ideal",
           "watering_method_preference", "drought_tolerance",
           "overwatering_sensitivity", "soil_preference",
           "soil_replacement_days", "fertilizer_days", "functions",
           "growth_rate_days", "toxic_to_pets", "propagation_methods",
           "common_pests", "image_url", "product_ids", "care_history",
           "perenual_id", "perenual_verified", "created_at", "updated_at",
           "searchable_text", "last_updated"]


def _name(r):
    """Collisions on purpose: about a third of the names come from a
    small pool (30 x 40), the rest carry a variety too."""
    x = r.random()
    if x < 0.01:
        return r.choice(ODD_NAMES)
    base = r.choice(ADJECTIVES) + "_" + r.choice(NOUNS)
    if x < 0.35:
        return base
    return base + "_" + r.choice(VARIETIES) + "_" + str(r.randint(1, 99))


def _date(r):
    return "2025-%02d-%02d" % (r.randint(1, 12), r.randint(1, 28))


def _sample(r, pool, lo, hi):
    return r.sample(pool, r.randint(lo, hi))


def plant(seed, i):
    """Plant number i (0-based) of the catalog of seed."""
    r = random.Random("%s/%d" % (seed, i))
    name = _name(r)
    words = _sample(r, WORDS, 4, 10)
    if r.randrange(RARE_ONE_IN) == 0:
        words.insert(r.randint(0, len(words)), r.choice(RARE))
    lo = r.randint(45, 65)
    hi = r.randint(lo + 10, 95)
    wmin = r.randint(5, 40)
    created = _date(r)
    desc = " ".join(r.choice(WORDS) for _ in range(r.randint(20, 60)))
    return {
        "id": "g%s-%06d" % (seed, i),
        "name": name,
        "scientific_name": r.choice(GENERA) + "_" + r.choice(EPITHETS),
        "natural_sunlight_needs": r.choice(LIGHTS),
        "natural_sunlight_required": r.random() < 0.3,
        "led_light_requirements": r.choice(["low", "medium", "high"]),
        "recommended_light_wattage": r.choice([wmin + 5, wmin + 7.5]),
        "led_wattage_min": wmin,
        "led_wattage_max": wmin + r.randint(5, 30),
        "water_frequency_days": r.randint(1, 30),
        "humidity_preference": r.choice(LEVELS),
        "difficulty": r.randint(1, 10),
        "maintenance": r.choice(["low", "moderate", "high"]),
        "indoor_compatible": r.random() < 0.8,
        "description": desc.capitalize() + ".",
        "compatible_locations": _sample(r, LOCATIONS, 1, 3),
        "size": r.choice(SIZES),
        "temperature_min": lo,
        "temperature_max": hi,
        "temperature_ideal": (lo + hi) // 2,
        "watering_method_preference": r.choice(WATERING),
        "drought_tolerance": r.randint(0, 10),
        "overwatering_sensitivity": r.randint(0, 10),
        "soil_preference": r.choice(SOILS),
        "soil_replacement_days": r.randint(180, 1000),
        "fertilizer_days": r.randint(14, 120),
        "functions": _sample(r, FUNCTIONS, 1, 3),
        "growth_rate_days": r.randint(7, 365),
        "toxic_to_pets": r.random() < 0.5,
        "propagation_methods": _sample(r, PROPAGATION, 1, 2),
        "common_pests": _sample(r, PESTS, 1, 3),
        "image_url": "https://example.com/plants/gen/%06d.jpg" % i,
        "product_ids": ["pr%03d" % r.randint(1, 20)],
        "care_history": {},
        "perenual_id": 100000 + i,
        "perenual_verified": r.random() < 0.5,
        "created_at": created,
        "updated_at": created,
        "searchable_text": " ".join(words),
        "last_updated": created,
    }


def plants(seed, count):
    """The first count plants of the catalog of seed."""
    return [plant(seed, i) for i in range(count)]


def _tsv_value(v):
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, list):
        return ",".join(v)
    if isinstance(v, dict):
        return json.dumps(v, separators=(",", ":"))
    return str(v)


def write_json(out, items):
    out.write("[\n")
    for n, p in enumerate(items):
        out.write(json.dumps(p, ensure_ascii=False, separators=(",", ":")))
        out.write(",\n" if n + 1 < len(items) else "\n")
    out.write("]\n")


def write_tsv(out, items):
    out.write("\t".join(COLUMNS) + "\n")
    for p in items:
        out.write("\t".join(_tsv_value(p[c]) for c in COLUMNS) + "\n")


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    if len(args) != 2 or not args[1].isdigit():
        sys.stderr.write("usage: gen_plants.py SEED COUNT [--tsv]\n")
        return 2
    items = plants(args[0], int(args[1]))
    out = open(sys.stdout.fileno(), "w", encoding="utf-8", closefd=False)
    (write_tsv if "--tsv" in argv else write_json)(out, items)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
