"""The minutes' services, one module per entity: `minutes` (draft, edit, submit, return,
approve, correct), `signing` (the two signatures), `actions` (action items and their notes) and
`links` (written-opinion polls reported in the minutes)."""
