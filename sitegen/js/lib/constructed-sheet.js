// A stand-in for glamor's StyleSheet (glamor/lib/sheet.js) that keeps its rules in a
// constructable stylesheet adopted by the document: no <style> element, so it works
// under a CSP without 'unsafe-inline'. Same interface as the original: inject, insert,
// flush, rules, speedy.

export function StyleSheet() {
  this.sheet = null;
  this.injected = false;
  this.isSpeedy = true;
  this.ctr = 0;
}

Object.assign(StyleSheet.prototype, {
  getSheet() {
    return this.sheet;
  },
  inject() {
    if (this.injected) throw new Error('already injected stylesheet!');
    this.sheet = new CSSStyleSheet();
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, this.sheet];
    this.injected = true;
  },
  speedy(bool) {
    this.isSpeedy = !!bool;
  },
  insert(rule) {
    try {
      this.sheet.insertRule(rule, rule.indexOf('@import') !== -1 ? 0 : this.sheet.cssRules.length);
    } catch (e) {
      // glamor also ignores rules a browser rejects (vendor prefixes of other engines).
    }
    this.ctr++;
    return this.ctr - 1;
  },
  flush() {
    if (this.sheet) {
      document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== this.sheet);
    }
    this.sheet = null;
    this.injected = false;
    this.ctr = 0;
  },
  rules() {
    return this.sheet ? [...this.sheet.cssRules] : [];
  },
});
