"""retention, legal hold, subject access and erasure

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 10:00:00.000000

Retention and erasure remove personal links while every figure stays the same, so:
- people and debrief_requests gain ``legal_hold`` and ``legal_hold_reason``;
- people, debrief_requests and programme_sessions gain ``anonymised_at``;
- bookings.person_id and debrief_requests.requested_by_id may be empty;
- a session marked anonymised may have no facilitator, and an anonymised declined request may have
  no reason (the two CHECK constraints are relaxed for those rows only).

On SQLite, changing a column's nullability or a CHECK constraint rebuilds the table (batch mode:
copy, drop, rename). Dropping a table that other rows reference fails while foreign keys are
enforced, so enforcement is paused for this migration and every reference checked before the end.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

LIVE_BOOKING = "status IN ('booked', 'waitlisted')"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == 'sqlite'


def _pause_foreign_keys() -> None:
    if _sqlite():
        # A no-op inside a transaction that has already written; a database being upgraded from 0003
        # starts here with nothing written yet, and a brand-new database has no rows to trip over.
        op.execute('PRAGMA foreign_keys=OFF')
        # Inside a transaction that has already written (several migrations in one run), the line above
        # does nothing; deferring the checks to the commit, by which time every table is back, does.
        op.execute('PRAGMA defer_foreign_keys=ON')


def _resume_foreign_keys() -> None:
    if _sqlite():
        broken = op.get_bind().exec_driver_sql('PRAGMA foreign_key_check').fetchall()
        if broken:
            raise RuntimeError(f'foreign keys broken by the retention migration: {broken[:5]}')
        op.execute('PRAGMA foreign_keys=ON')


def upgrade():
    _pause_foreign_keys()

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_hold', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('legal_hold_reason', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('programme_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(), nullable=True))
        batch_op.drop_constraint(op.f('ck_programme_sessions_facilitator_unless_cancelled'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_programme_sessions_facilitator_unless_cancelled'),
            "status = 'cancelled' OR facilitator_id IS NOT NULL OR anonymised_at IS NOT NULL",
        )

    with op.batch_alter_table('debrief_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_hold', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('legal_hold_reason', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(), nullable=True))
        batch_op.alter_column('requested_by_id', existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint(op.f('ck_debrief_requests_declined_has_reason'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_debrief_requests_declined_has_reason'),
            "status <> 'declined' OR length(decline_reason) > 0 OR anonymised_at IS NOT NULL",
        )

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.alter_column('person_id', existing_type=sa.Integer(), nullable=True)

    _ensure_live_booking_index()
    _resume_foreign_keys()


def _ensure_live_booking_index() -> None:
    """The partial unique index must survive SQLite's table rebuild; recreate it if reflection lost it."""
    inspector = sa.inspect(op.get_bind())
    if any(index['name'] == 'uq_bookings_live_person' for index in inspector.get_indexes('bookings')):
        return
    op.create_index('uq_bookings_live_person', 'bookings', ['session_id', 'person_id'], unique=True,
                    sqlite_where=sa.text(LIVE_BOOKING), postgresql_where=sa.text(LIVE_BOOKING))


def downgrade():
    # Rows anonymised by retention or erasure cannot satisfy the old rules: they must be removed by hand
    # (or restored from a backup) before downgrading, and the NOT NULL changes below will say so.
    _pause_foreign_keys()

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.alter_column('person_id', existing_type=sa.Integer(), nullable=False)

    with op.batch_alter_table('debrief_requests', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_debrief_requests_declined_has_reason'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_debrief_requests_declined_has_reason'), "status <> 'declined' OR length(decline_reason) > 0"
        )
        batch_op.alter_column('requested_by_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('anonymised_at')
        batch_op.drop_column('legal_hold_reason')
        batch_op.drop_column('legal_hold')

    with op.batch_alter_table('programme_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_programme_sessions_facilitator_unless_cancelled'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_programme_sessions_facilitator_unless_cancelled'),
            "status = 'cancelled' OR facilitator_id IS NOT NULL",
        )
        batch_op.drop_column('anonymised_at')

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
        batch_op.drop_column('legal_hold_reason')
        batch_op.drop_column('legal_hold')

    _ensure_live_booking_index()
    _resume_foreign_keys()
