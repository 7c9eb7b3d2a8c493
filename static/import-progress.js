// While a spreadsheet uploads and imports, say so in a live region, and stop a second click from
// sending it twice. Loaded by the import page only; without JavaScript the form works as before.
const form = document.querySelector('form[data-app-import]')
const status = document.getElementById('import-status')
const MESSAGE = 'Importing… this can take a minute for a large file'

if (form && status) {
  const button = form.querySelector('button[type="submit"]')
  form.addEventListener('submit', (event) => {
    if (form.dataset.submitting === 'true') {
      event.preventDefault()
      return
    }
    form.dataset.submitting = 'true'
    const message = document.createElement('p')
    message.className = 'govuk-inset-text app-import-status__message'
    message.textContent = MESSAGE
    status.replaceChildren(message)
    if (button) {
      // Disabled after this event, so the browser still sends the form it is submitting.
      window.setTimeout(() => { button.disabled = true; button.setAttribute('aria-disabled', 'true') }, 0)
    }
  })
  // Coming back with the browser's Back button shows the page as it was left: make it usable again.
  window.addEventListener('pageshow', (event) => {
    if (!event.persisted) return
    form.dataset.submitting = 'false'
    status.replaceChildren()
    if (button) { button.disabled = false; button.removeAttribute('aria-disabled') }
  })
}
