-- Issue 15, point 6: a move-in with nothing to compare with (no predecessor, no VALID reading, source NONE)
-- stored a made-up termination index (the declared index, or 0). Its termination has no index: null.
update cases
   set move_in = jsonb_set(move_in, '{termination,index}', 'null'::jsonb)
 where move_in is not null
   and move_in->'termination'->>'source' = 'NONE'
   and move_in->'termination'->'index' <> 'null'::jsonb;
