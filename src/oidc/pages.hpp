#pragma once
// The OIDC front door's names for the hosted pages' helpers, which belong to the sign-in domain
// (signin/pages.hpp): every front door renders its pages with the same theme.

#include "signin/pages.hpp"

namespace gatehouse::oidc {

using signin::error_page;
using signin::html_escape;
using signin::html_page;
using signin::render;
using signin::split_words;

}  // namespace gatehouse::oidc
