#!/usr/bin/env bash
# Builds Jalon (scripts/setup.sh) and diagnoses one job seeker's sentence with the CLI.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup.sh"
cd "$root"
exec build/tools/jalon diagnose "j'ai bossé 4 ans dans un entrepôt à la préparation, je voudrai passer dans l'animation avec les enfants mais l'écrit c'est pas mon fort"
