"""vicinato import-commuters: the census table of commuters per NIL, and a one-line refusal of bad files."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from vicinato.planning import demand
from vicinato.planning.models import CommuterCount

HEADER = "anno,id_nil,nil,totale,altro,auto,non_disponibile,piedi_bici,pubblici\n"


def test_imports_per_nil_and_mode(city, tmp_path, capsys):
    path = tmp_path / "commuters.csv"
    path.write_text(HEADER + "2011,10,A,100,5,20,5,40,30\n2011,99,Z,1,0,0,0,1,0\n")
    call_command("import-commuters", str(path))
    assert "1 neighbourhoods; 1 rows of unknown codes" in capsys.readouterr().out
    assert CommuterCount.objects.get(mode="walk_bike").count == 40
    assert demand.LAYERS["commuters_transit"].per_nil() == {"10": 30.0}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("anno,id_nil\n2011,10\n", "has no column"),
        (HEADER + "2011,10,A,x,5,many,5,40,30\n", "Line 2"),
    ],
)
def test_bad_files_are_refused_in_one_line(city, tmp_path, text, words):
    path = tmp_path / "commuters.csv"
    path.write_text(text)
    with pytest.raises(CommandError, match=words):
        call_command("import-commuters", str(path))


def test_a_missing_file(city, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("import-commuters", str(tmp_path / "none.csv"))
