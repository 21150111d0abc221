// The generator of workflow/emoji_tables.go, from the emoji properties of
// the Unicode data in Node's ICU (run it where Node has a recent ICU):
//
//   node workflow/testdata/emoji_tables.mjs | gofmt > workflow/emoji_tables.go
const hex = (n) => "0x" + n.toString(16).padStart(4, "0");
function ranges(test) {
  const out = [];
  for (let c = 0; c <= 0x10ffff; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    if (!test(String.fromCodePoint(c), c)) continue;
    const last = out[out.length - 1];
    if (last && last[1] === c - 1) last[1] = c; else out.push([c, c]);
  }
  return out;
}
function table(name, doc, rs) {
  const r16 = rs.filter(([, hi]) => hi <= 0xffff), r32 = rs.filter(([lo]) => lo > 0xffff);
  const l = [...doc.map((d) => "// " + d), `var ${name} = &unicode.RangeTable{`];
  if (r16.length) {
    l.push("\tR16: []unicode.Range16{");
    for (const [lo, hi] of r16) l.push(`\t\t{${hex(lo)}, ${hex(hi)}, 1},`);
    l.push("\t},");
  }
  if (r32.length) {
    l.push("\tR32: []unicode.Range32{");
    for (const [lo, hi] of r32) l.push(`\t\t{${hex(lo)}, ${hex(hi)}, 1},`);
    l.push("\t},");
  }
  const latin = r16.filter(([, hi]) => hi <= 0xff).length;
  if (latin) l.push(`\tLatinOffset: ${latin},`);
  l.push("}", "");
  return l.join("\n");
}
const has = (p) => { const re = new RegExp(`^\\p{${p}}$`, "u"); return (s) => re.test(s); };
const ep = has("Emoji_Presentation"), emoji = has("Emoji"), pict = has("Extended_Pictographic");
console.log(`// Code generated from Unicode ${process.versions.unicode} emoji data (Node ${process.version}, ICU ${process.versions.icu}); DO NOT EDIT.
// The generator is workflow/testdata/emoji_tables.mjs:
//
//	node workflow/testdata/emoji_tables.mjs | gofmt > workflow/emoji_tables.go

package workflow

import "unicode"
`);
console.log(table("emojiPresentation", ["emojiPresentation: Emoji_Presentation=Yes, shown as an emoji by default (😀, ✅, ⭐, 🇨,", "🏻)."], ranges((s) => ep(s))));
console.log(table("emojiText", ["emojiText: Emoji=Yes in the BMP, shown as text by default and as an emoji with", "U+FE0F (❤ and ❤️, ☑ and ☑️, 1 and 1️⃣)."], ranges((s, c) => c <= 0xffff && emoji(s))));
console.log(table("pictographs", ["pictographs: Extended_Pictographic beyond the BMP (🌡, 🖥, and the code points", "kept for emoji to come): pictures, with or without U+FE0F."], ranges((s, c) => c > 0xffff && pict(s))));
