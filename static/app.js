// Start GOV.UK Frontend components (served locally; no third-party scripts).
import { initAll } from './govuk-frontend.min.js'
initAll()
