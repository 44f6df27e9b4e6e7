#pragma once
// Writing XML that is already in its exclusive canonical form (Exclusive XML Canonicalization 1.0,
// which keeps Canonical XML 1.0's character rules, §2.3 and §1.1 there), so that an element
// Gatehouse builds can be digested and signed as written, with no parse and no canonicalizer
// (dsig.hpp, sign_canonical). The caller keeps the structural rules: attributes in canonical
// order, every namespace declared on the first element that uses it and on no other, no
// empty-element tags, no whitespace between elements it did not mean. These functions keep the
// character rules, and keep the document well formed whatever the value: bytes that are not
// UTF-8, and characters XML 1.0 does not allow (control characters, U+FFFE, U+FFFF), become
// U+FFFD, as a parser would never accept them.

#include <string>
#include <string_view>

namespace gatehouse::saml {

/// Appends `text` as canonical character data: & < > and CR escaped (&amp; &lt; &gt; &#xD;).
void append_c14n_text(std::string& out, std::string_view text);

/// Appends ` name="value"` with the value as a canonical attribute value: & < " TAB LF CR
/// escaped (&amp; &lt; &quot; &#x9; &#xA; &#xD;), > as it is. `name` is the caller's, unescaped.
void append_c14n_attribute(std::string& out, std::string_view name, std::string_view value);

}  // namespace gatehouse::saml
