#pragma once
// token::SignInFacts as stored: the columns sid, auth_time, amr, side by side and in this order in
// each table of a grant (authorization_codes, refresh_tokens), read and bound here for both.

#include "token/sign_in_facts.hpp"

namespace gatehouse::storage {

/// The facts from the columns `first` (sid), `first + 1` (auth_time) and `first + 2` (amr). `Row`
/// is sqlite::Statement or postgres::Row.
template <class Row>
token::SignInFacts sign_in_from_row(const Row& r, int first) {
  return token::SignInFacts{r.text(first), r.int64(first + 1), r.text(first + 2)};
}

/// The facts as the next three parameters, in the same order. `Params` is postgres::Params or
/// sqlite::Binder.
template <class Params>
Params& sign_in_params(Params& p, const token::SignInFacts& f) {
  return p.text(f.sid).int8(f.auth_time).text(f.amr);
}

}  // namespace gatehouse::storage
