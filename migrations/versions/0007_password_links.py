"""password links: single-use, time-limited links a lead sends so that a person can set a password

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 17:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('password_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('superseded_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('expires_at > created_at', name=op.f('ck_password_links_expires_after_created')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_password_links_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_links')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_password_links_secret_hash'))
    )
    with op.batch_alter_table('password_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_links_person_id'), ['person_id'], unique=False)


def downgrade():
    with op.batch_alter_table('password_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_links_person_id'))

    op.drop_table('password_links')
