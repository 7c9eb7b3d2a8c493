// Start GOV.UK Frontend components (served locally; no third-party scripts).
import { initAll } from './govuk-frontend.min.js'
initAll()

// A table wider than the screen scrolls inside its wrapper. Make that wrapper a named, focusable region
// while it scrolls, so keyboard users can scroll it too (WCAG 2.1.1); no extra tab stop otherwise.
function labelScrollingTables () {
  for (const wrapper of document.querySelectorAll('.app-table-wrapper')) {
    if (wrapper.scrollWidth > wrapper.clientWidth + 1) {
      const caption = wrapper.querySelector('caption')
      wrapper.setAttribute('tabindex', '0')
      wrapper.setAttribute('role', 'region')
      wrapper.setAttribute('aria-label', (caption ? caption.textContent.trim() : 'Table') + ' (scrolls sideways)')
    } else if (wrapper.getAttribute('tabindex') === '0') {
      wrapper.removeAttribute('tabindex')
      wrapper.removeAttribute('role')
      wrapper.removeAttribute('aria-label')
    }
  }
}
labelScrollingTables()
window.addEventListener('load', labelScrollingTables) // again once web fonts have loaded
window.addEventListener('resize', labelScrollingTables)
document.addEventListener('toggle', labelScrollingTables, true) // tables inside <details>
