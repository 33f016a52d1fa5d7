"""A contracts team's connection, as Opus lets them download it: not the sample, for tests that must hold on
a stranger's connection (another id, both internal-name spellings, a number and people of its own)."""

from __future__ import annotations

#: Its columns: internal names (the newer ``_A_%20_B`` and the older ``A%20_B`` spellings) to types.
COLUMNS = {
    "rowKey": "SingleText",
    "leafName": "SingleText",
    "termFullPath": "Taxonomy",
    "timeCreated": "DateTime",
    "timeModified": "DateTime",
    "createdBy": "SingleText",
    "modifiedBy": "SingleText",
    "_Region": "SingleChoice",
    "Business%20_Units": "MultipleChoice",
    "_Counter_%20_Party": "SingleText",
    "_Contract_%20_Owners": "PeopleOrGroup",
    "_Signed_%20_On": "DateTime",
    "_Contract_%20_Value_%20_USD": "Number",
}
