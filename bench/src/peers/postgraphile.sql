-- liaison-bench peers: what PostGraphile v5 needs to expose Liaison's own tables with the nested
-- shape Liaison serves. Bench-owned: applied to the benchmark database only, never a migration.

-- The two-sided view gets a primary key and the three relations Liaison resolves.
COMMENT ON VIEW account_relationship_sides IS
E'@primaryKey relationship_id,direction\n'
 '@foreignKey (account_id) references accounts (id)|@fieldName account|@foreignFieldName relationships\n'
 '@foreignKey (other_account_id) references accounts (id)|@fieldName otherAccount|@foreignFieldName otherSides\n'
 '@foreignKey (type_id) references account_relationship_types (id)|@fieldName type|@foreignFieldName sides';

-- Liaison's `accounts` root lists customers: let `condition:` filter on the unindexed flag.
COMMENT ON COLUMN accounts.is_customer IS E'@behavior +attribute:filterBy';

-- The label the side's own account reads: forward on the source side, reverse on the target side.
CREATE OR REPLACE FUNCTION account_relationship_sides_label(side account_relationship_sides)
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN side.direction = 'FORWARD' THEN t.forward_label ELSE t.reverse_label END
    FROM account_relationship_types t
   WHERE t.id = side.type_id
$$;
