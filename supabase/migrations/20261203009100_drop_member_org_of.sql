-- private.member_org_of (20261203003200) is unused since label-steps checks membership through the
-- caller's own session (RLS on sites and flows, docs/edge-functions.md): no function, SQL or test
-- calls it. A security-definer function nobody calls is only surface; dropped (issue 16).
drop function if exists private.member_org_of(uuid, uuid, uuid);
